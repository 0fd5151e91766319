"""Extensions, created unbound here and bound to the app in ``create_app``."""

from __future__ import annotations

from flask import Flask, Response, request
from flask_babel import Babel
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
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

migrate = Migrate(render_as_batch=True, compare_type=True)
csrf = CSRFProtect()
login_manager = ModeratorLogin()
cache = Cache()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
