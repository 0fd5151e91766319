"""The moderators' dashboard: log in, work through the queue, keep the articles.

Thin views: parse the request, call the domain (``comments``, ``accounts``) or the
queries, commit, flash, redirect. Every action is a POST with the session CSRF token;
pages answer HTML, scripts (``Accept: application/json``) get JSON.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from ..comments.actions import ALL_ACTIONS, STATUS_ACTIONS
from ..comments.models import Status
from ..decoding import require_form_post
from ..errors import http_error_response
from ..security import dashboard_headers
from . import queries

bp = Blueprint("dashboard", __name__, url_prefix="/moderation")

bp.after_request(dashboard_headers)
bp.before_request(require_form_post)


@bp.errorhandler(HTTPException)
def page_error(error: HTTPException) -> ResponseReturnValue:
    """Errors inside the dashboard get its own page (the nav stays, the CSP holds)."""
    return http_error_response(error, template="dashboard/error.html")


@bp.context_processor
def dashboard_globals() -> dict[str, Any]:
    waiting = queries.pending_count() if current_user.is_authenticated else 0
    return {
        "Status": Status,
        "actions": ALL_ACTIONS,
        "status_actions": STATUS_ACTIONS.values(),
        "pending_total": waiting,
    }


from . import articles, auth, queue  # noqa: E402,F401  (the views register on bp)
