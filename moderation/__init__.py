"""A self-hosted comment service for blogs, with a moderation queue."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path
from types import TracebackType
from typing import Any

from flask import Config, Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config as settings
from . import urls
from .core import database

PACKAGE_ROOT = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """``templates`` or ``migrations``: inside the package in an installed wheel, else at
    the top of the source tree (a checkout, or an editable install)."""
    inside = PACKAGE_ROOT / name
    return inside if inside.is_dir() else PACKAGE_ROOT.parent / name


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
log = logging.getLogger(__name__)


class Moderation(Flask):
    def log_exception(
        self,
        exc_info: tuple[type, BaseException, TracebackType] | tuple[None, None, None],
    ) -> None:
        """Unexpected errors: once per request, with its id, without any bound value."""
        from .errors import log_failure

        log_failure(exc_info[1])


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, commands."""
    app = Moderation(
        __name__,
        instance_relative_config=True,
        template_folder=str(resource_dir("templates")),
    )
    configure(app, test_config)
    configure_logging()
    register_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_commands(app)
    register_outbox(app)
    log_configuration(app)
    return app


def configure(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Read every setting once, by type (see ``config.py``), then derive Flask's own."""
    if test_config is None:
        instance = Config(app.instance_path)
        instance.from_pyfile("config.py", silent=True)
        app.config.update(instance)
        raw = {**dict(instance), **settings.environment_values(os.environ)}
    else:
        app.config.from_mapping(test_config)
        raw = dict(test_config)
    app.config.update(settings.parse_settings(raw))
    os.makedirs(app.instance_path, exist_ok=True)

    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"] or settings.sqlite_url(
        app.instance_path
    )
    options = database.engine_options(
        app.config["SQLALCHEMY_DATABASE_URI"],
        connect_timeout=app.config["DB_CONNECT_TIMEOUT"],
        statement_timeout=app.config["DB_STATEMENT_TIMEOUT"],
    )
    options.update(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    # Bound values (emails, addresses) never reach an exception's text, hence the log.
    options["hide_parameters"] = True
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    app.config.setdefault("RATELIMIT_STORAGE_URI", rate_limit_storage_uri(app))
    if app.config["RATELIMIT_STORAGE_URI"] == "memory://":
        app.config["RATELIMIT_STORAGE_URI"] = "local://"
    if app.config["REDIS_URL"]:
        # Redis down: each worker counts in its own memory (and says so in the log) rather
        # than failing the request; it goes back to Redis once Redis answers again.
        app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
        app.config.setdefault(
            "RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": 1, "socket_timeout": 1}
        )
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)

    # The read cache's fast path sits right on Flask: inside the host check and ProxyFix.
    from .public.fastpath import CachedReads

    app.wsgi_app = CachedReads(app.wsgi_app, app)  # type: ignore[method-assign]
    urls.configure(app)
    secure = app.config["SECURE_COOKIES"]
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
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )


def rate_limit_storage_uri(app: Flask) -> str:
    """Redis when configured, else the app's own database: either is shared by every
    worker process. This process's memory only when limits are off, as in most tests, or
    when ``RATELIMIT_STORAGE_URI=memory://`` asks for it: then ``local://``, the same
    counting without the timer thread ``memory://`` would start on requests."""
    from .ratelimits import LOCAL_SCHEME, SCHEME

    if app.config["REDIS_URL"]:
        return str(app.config["REDIS_URL"])
    if not app.config.get("RATELIMIT_ENABLED", True):
        return f"{LOCAL_SCHEME}://"
    return f"{SCHEME}://"


class RedactLinkTokens(logging.Filter):
    """The development server logs each request line: never with a mail link's token."""

    def filter(self, record: logging.LogRecord) -> bool:
        from .notify.links import redact_tokens

        message = record.getMessage()
        redacted = redact_tokens(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def configure_logging() -> None:
    """The package logs at INFO to standard error, unless the host (gunicorn, a test
    runner, the owner's own setup) already configured logging."""
    werkzeug = logging.getLogger("werkzeug")
    if not any(isinstance(f, RedactLinkTokens) for f in werkzeug.filters):
        werkzeug.addFilter(RedactLinkTokens())
    package = logging.getLogger(__name__)
    if package.level == logging.NOTSET:
        package.setLevel(logging.INFO)
    if not logging.getLogger().handlers and not package.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        package.addHandler(handler)


def log_configuration(app: Flask) -> None:
    """What the app starts with, without secrets (no password, no key)."""
    from sqlalchemy.engine import make_url

    database = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    log.info(
        "Starting with %s database %s, rate limits in %s, %d allowed origin(s), Gravatar %s",
        database.get_backend_name(),
        database.database if database.get_backend_name() == "sqlite" else database.host,
        app.config["RATELIMIT_STORAGE_URI"].split(":", 1)[0],
        len(app.config["ALLOWED_ORIGINS"]),
        "on" if app.config["GRAVATAR"] else "off",
    )
    log.info(
        "Mail %s, %d webhook(s)",
        f"through {app.config['SMTP_HOST']}:{app.config['SMTP_PORT']}"
        if app.config["SMTP_HOST"]
        else "printed to the console (no MODERATION_SMTP_HOST)",
        len(app.config["WEBHOOK_URLS"]),
    )
    if (app.config["SMTP_HOST"] or app.config["WEBHOOK_URLS"]) and not app.config["PUBLIC_URL"]:
        log.warning(
            "MODERATION_PUBLIC_URL is not set: the links in mails will point to "
            "http://localhost. Set it to the service's address."
        )


def resolve_secret_key(app: Flask) -> str:
    """MODERATION_SECRET_KEY, else the instance folder's key file.

    The flask command (``make run``, ``flask run``, migrations) creates that file on
    first use; a production server (gunicorn) refuses to start without either.
    """
    if app.config["SECRET_KEY"]:
        return str(app.config["SECRET_KEY"])
    if app.testing:
        return secrets.token_urlsafe(32)
    key_file = Path(app.instance_path) / "secret_key"
    if key_file.exists() or os.environ.get("FLASK_RUN_FROM_CLI") == "true":
        return settings.load_secret_key(app.instance_path)
    raise RuntimeError(
        "No secret key: set MODERATION_SECRET_KEY (for example to the output of "
        "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`), "
        f"or run `flask --app wsgi setup` once to create {key_file}."
    )


def register_extensions(app: Flask) -> None:
    from . import i18n, security
    from .extensions import csrf, db, limiter, login_manager, migrate
    from .public import caching

    db.init_app(app)
    with app.app_context():
        database.limit_client_waits(db.engine, app.config["DB_STATEMENT_TIMEOUT"])
    migrate.init_app(app, db, directory=str(resource_dir("migrations")))
    csrf.init_app(app)
    limiter.init_app(app)
    use_local_fallback(limiter)
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    security.init_app(app)
    caching.init_app(app, str(resource_dir("templates")))
    i18n.init_app(app)


def use_local_fallback(limiter: Any) -> None:
    """While Redis is down, count in ``local://`` memory rather than ``memory://``, whose
    timer thread a request would start."""
    from limits.strategies import STRATEGIES

    from .ratelimits import LocalStorage

    if getattr(limiter, "_fallback_storage", None) is not None:
        limiter._fallback_storage = LocalStorage()
        limiter._fallback_limiter = STRATEGIES[limiter._strategy or "fixed-window"](
            limiter._fallback_storage
        )


def load_user(user_id: str) -> Any:
    """The session's moderator; no one while the database is unavailable, so that the
    error page saying so renders without it."""
    from flask import g

    from .accounts.login import load_moderator

    if g.get("database_unavailable"):
        return None
    return load_moderator(user_id)


def register_blueprints(app: Flask) -> None:
    from . import dashboard, public, templating
    from .public.api import refuse_long_api_urls
    from .public.cors import add_cors_headers

    # "/api/articles/a%2F/comments" is no article: never redirect it (with a 308 and an
    # HTML page) to "/api/articles/a/comments", another article, as merging slashes would.
    app.url_map.merge_slashes = False
    app.register_blueprint(public.bp)
    app.register_blueprint(dashboard.bp)
    templating.init_app(app)
    app.after_request(add_cors_headers)
    app.before_request(refuse_long_api_urls)


def register_error_handlers(app: Flask) -> None:
    from .errors import register_error_handlers as register

    register(app)


def register_outbox(app: Flask) -> None:
    """With ``OUTBOX_THREAD`` (SQLite's default), the server sends the outbox itself: a
    thread per process, started by the first request it serves (not by commands)."""
    from .notify import worker

    if not worker.thread_wanted(app):
        return

    def start() -> None:
        worker.start_thread(app)

    app.before_request(start)


def register_commands(app: Flask) -> None:
    from . import cli

    cli.init_app(app)
