"""Extension singletons, kept in a leaf module so any part of the app can import them."""

from typing import TYPE_CHECKING, ClassVar

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, Table
from sqlalchemy.orm import DeclarativeBase

# Fixed constraint names, so migrations name them the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    if TYPE_CHECKING:
        # Every model is mapped to a table of its own, so this is a `Table` (SQLAlchemy allows
        # any `FromClause`), as `insert()` and `update()` want.
        __table__: ClassVar[Table]


# Objects stay readable after a commit, so a page that saves and then renders does not reload them.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please log in to see that page."
login_manager.login_message_category = "info"
login_manager.session_protection = "strong"

# The base class of every model. Flask-SQLAlchemy builds `db.Model` from `Base` at run time (it
# names tables and binds them to the app); type checkers see `Base`, whose mapped attributes they
# understand.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
