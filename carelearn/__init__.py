"""CareLearn: customer-service training for healthcare staff."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from .config import PROJECT_ROOT, check_limit_store, check_secret_key, load_config
from .core.database import engine_options as database_options
from .core.numbers import DatabaseIdConverter
from .core.text import CleanRequest


def create_app(test_config: dict | None = None) -> Flask:
    """Config, then extensions, then each package's `init_app`, then the blueprints.

    Nothing here touches the database: engines connect on first use.
    """
    app = Flask(
        __name__,
        instance_path=os.environ.get("CARELEARN_INSTANCE_DIR", str(PROJECT_ROOT / "instance")),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(load_config(app.instance_path, test_config))
    check_secret_key(app.config, app.debug)
    check_limit_store(app.config, app.debug)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = database_options(
        app.config["SQLALCHEMY_DATABASE_URI"], app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    )
    app.jinja_env.add_extension("jinja2.ext.do")
    app.request_class = CleanRequest  # what browsers send arrives cleaned (core/text.py)
    # Before any route exists: every <int:...> is a database id (core/numbers.py).
    app.url_map.converters["int"] = DatabaseIdConverter

    from . import models  # noqa: F401  (every table on the metadata, for Alembic and queries)
    from .extensions import csrf, db, login_manager, migrate

    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(PROJECT_ROOT / "carelearn" / "migrations"), render_as_batch=True
    )
    csrf.init_app(app)
    login_manager.init_app(app)
    from .feedback import shortcut

    shortcut.init_app(app)  # inside the proxy fix: it needs the client's own address
    if app.config["PROXY_HOPS"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    from . import core, errors, forms, security
    from .services import training

    core.init_app(app)
    training.init_app(app)
    forms.init_app(app)
    security.init_app(app)
    errors.init_app(app)

    from . import admin
    from .auth.views import bp as auth_bp
    from .feedback.views import bp as feedback_bp
    from .health import bp as health_bp
    from .help import bp as help_bp
    from .learn.views import bp as learn_bp
    from .manage.views import bp as manage_bp
    from .observe.views import bp as observe_bp
    from .verify import bp as verify_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(feedback_bp)
    app.register_blueprint(learn_bp)
    app.register_blueprint(admin.create_blueprint())
    app.register_blueprint(health_bp)
    app.register_blueprint(help_bp)
    app.register_blueprint(manage_bp)
    app.register_blueprint(observe_bp)
    app.register_blueprint(verify_bp)

    from .cli import init_app as init_cli

    init_cli(app)
    return app
