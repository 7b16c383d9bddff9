"""CareLearn: customer-service training for healthcare staff."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from .config import PROJECT_ROOT, check_secret_key, load_config
from .database import engine_options as database_options


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=os.environ.get("CARELEARN_INSTANCE_DIR", str(PROJECT_ROOT / "instance")),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(load_config(app.instance_path, test_config))
    check_secret_key(app.config, app.debug)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = database_options(
        app.config["SQLALCHEMY_DATABASE_URI"], app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    app.jinja_env.add_extension("jinja2.ext.do")

    from . import (  # noqa: F401  (database sets SQLite pragmas)
        database,
        errors,
        models,  # noqa: F401  (registers every table on the metadata)
        security,
        templating,
    )
    from .extensions import csrf, db, login_manager, migrate
    from .services import (
        freshness,  # noqa: F401  (keeps cached manager pages up to date)
        throttle,
    )

    db.init_app(app)
    database.init_app(app)
    migrate.init_app(
        app, db, directory=str(PROJECT_ROOT / "carelearn" / "migrations"), render_as_batch=True
    )
    csrf.init_app(app)
    login_manager.init_app(app)
    throttle.init_app(app)
    if app.config["PROXY_HOPS"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    security.init_app(app)
    errors.init_app(app)
    templating.init_app(app)

    from .admin import audit, onboarding  # noqa: F401  (they add their pages to the blueprint)
    from .admin.views import bp as admin_bp
    from .auth.views import bp as auth_bp
    from .health import bp as health_bp
    from .learn.views import bp as learn_bp
    from .manage.views import bp as manage_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(learn_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(manage_bp)

    from .cli import init_app as init_cli

    init_cli(app)
    return app
