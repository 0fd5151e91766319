"""A self-hosted comment service for blogs, with a moderation queue."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config as defaults

PACKAGE_ROOT = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """``templates`` or ``migrations``: inside the package in an installed wheel, else at
    the top of the source tree (a checkout, or an editable install)."""
    inside = PACKAGE_ROOT / name
    return inside if inside.is_dir() else PACKAGE_ROOT.parent / name


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, commands."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(resource_dir("templates")),
    )
    configure(app, test_config)
    register_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_commands(app)
    return app


def configure(app: Flask, test_config: dict[str, Any] | None) -> None:
    app.config.from_mapping(defaults.DEFAULTS)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("MODERATION")
    else:
        app.config.from_mapping(test_config)
    os.makedirs(app.instance_path, exist_ok=True)

    app.config["ALLOWED_ORIGINS"] = defaults.normalize_origins(app.config["ALLOWED_ORIGINS"])
    app.config["BLOCKLIST"] = defaults.normalize_list(app.config["BLOCKLIST"])
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config.get("DATABASE_URL") or defaults.sqlite_url(
        app.instance_path
    )
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})
    redis_url = app.config.get("REDIS_URL")
    app.config.setdefault("RATELIMIT_STORAGE_URI", redis_url or "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)

    secure = bool(app.config["SECURE_COOKIES"])
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=secure,
        WTF_CSRF_TIME_LIMIT=None,
    )
    app.config["SECRET_KEY"] = resolve_secret_key(app)
    if app.config["TRUSTED_PROXIES"]:
        n = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]


def resolve_secret_key(app: Flask) -> str:
    """MODERATION_SECRET_KEY, else the instance folder's key file.

    The flask command (``make run``, ``flask run``, migrations) creates that file on
    first use; a production server (gunicorn) refuses to start without either.
    """
    if app.config.get("SECRET_KEY"):
        return str(app.config["SECRET_KEY"])
    if app.testing:
        return secrets.token_urlsafe(32)
    key_file = Path(app.instance_path) / "secret_key"
    if key_file.exists() or os.environ.get("FLASK_RUN_FROM_CLI") == "true":
        return defaults.load_secret_key(app.instance_path)
    raise RuntimeError(
        "No secret key: set MODERATION_SECRET_KEY (for example to the output of "
        "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`), "
        f"or run `flask --app wsgi setup` once to create {key_file}."
    )


def register_extensions(app: Flask) -> None:
    from . import security
    from .accounts.login import load_moderator
    from .extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(resource_dir("migrations")))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.user_loader(load_moderator)
    security.init_app(app)


def register_blueprints(app: Flask) -> None:
    from . import dashboard, public

    app.register_blueprint(public.bp)
    app.register_blueprint(dashboard.bp)


def register_error_handlers(app: Flask) -> None:
    from .errors import register_error_handlers as register

    register(app)


def register_commands(app: Flask) -> None:
    from . import cli

    cli.init_app(app)
