"""Extensions, created unbound here and bound to the app in ``create_app``."""

from __future__ import annotations

from typing import Any

import click
from flask import Flask, Response, request
from flask_babel import Babel
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from . import ratelimits  # noqa: F401  (registers the database:// storage and its table)
from .core.database import db
from .notify import models as _notify_models  # noqa: F401  (the outbox's tables)

__all__ = ["babel", "cache", "csrf", "db", "limiter", "login_manager", "migrate"]


class ModeratorLogin(LoginManager):
    """Flask-Login, kept off the reader's side: it reads the session in every request's
    ``after_request`` and in a template context processor, and a session read makes
    Flask answer ``Vary: Cookie``, so no shared cache (a CDN, nginx) could keep a public
    page. Here the remember-cookie hook skips the public blueprint, and templates get
    ``current_user`` as a lazy proxy, read only by the templates that use it."""

    def init_app(self, app: Flask, add_context_processor: bool = True) -> None:
        from flask_login import current_user

        app.login_manager = self  # type: ignore[attr-defined]
        app.after_request(self._remember_outside_public)
        if add_context_processor:
            app.context_processor(lambda: {"current_user": current_user})

    def _remember_outside_public(self, response: Response) -> Response:
        if request.blueprint == PUBLIC_BLUEPRINT:
            return response
        result: Response = self._update_remember_cookie(response)  # type: ignore[attr-defined]
        return result


PUBLIC_BLUEPRINT = "public"


class DeferredMigrate:
    """Flask-Migrate, bound without being imported: Alembic and its templates would cost
    every web worker about 11 MB, and only the ``db`` commands and migrations use them.
    The first use of its configuration (``flask db …``, ``flask_migrate.upgrade()``)
    binds the real extension in its place."""

    def __init__(self, **options: Any) -> None:
        self.options = options

    def init_app(self, app: Flask, db: Any, directory: str) -> None:
        app.extensions["migrate"] = _Unbound(app, db, directory, self.options)
        app.cli.add_command(_MigrationCommands("db", help="Perform database migrations"))


class _Unbound:
    def __init__(self, app: Flask, db: Any, directory: str, options: dict[str, Any]) -> None:
        self._binding = (app, db, directory, options)

    def __getattr__(self, name: str) -> Any:
        from flask_migrate import Migrate

        app, db, directory, options = self._binding
        Migrate(**options).init_app(app, db, directory=directory)
        return getattr(app.extensions["migrate"], name)


class _MigrationCommands(click.Group):
    """``flask db``: Flask-Migrate's commands, imported when the group is used."""

    def _commands(self) -> click.Group:
        from flask_migrate.cli import db as commands

        return commands

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # The group's own options (--directory, -x) and what it does with them.
        commands = self._commands()
        self.params, self.callback = commands.params, commands.callback
        return super().parse_args(ctx, args)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self._commands().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self._commands().get_command(ctx, cmd_name)


migrate = DeferredMigrate(render_as_batch=True, compare_type=True)
csrf = CSRFProtect()
login_manager = ModeratorLogin()
cache = Cache()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
