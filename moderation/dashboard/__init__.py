"""The moderators' dashboard: log in, work through the queue, keep the articles.

Thin views: parse the request, call the domain (``comments``, ``accounts``) or the
queries, commit, flash, redirect. Every action is a POST with the session CSRF token;
pages answer HTML, scripts (``Accept: application/json``) get JSON.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from ..comments.actions import (
    ALL_ACTIONS,
    STATUS_ACTIONS,
    STATUS_TABS,
    event_name,
    status_name,
)
from ..comments.models import Status
from ..decoding import require_form_post
from ..errors import UNAVAILABLE, http_error_response, rollback, unavailable_response
from ..security import dashboard_headers
from ..spam.checks import explain
from . import queries

bp = Blueprint("dashboard", __name__, url_prefix="/moderation")

bp.after_request(dashboard_headers)
bp.before_request(require_form_post)


@bp.errorhandler(HTTPException)
def page_error(error: HTTPException) -> ResponseReturnValue:
    """Errors inside the dashboard get its own page (the nav stays, the CSP holds)."""
    return http_error_response(error, template="dashboard/error.html")


def page_unavailable(error: Exception) -> ResponseReturnValue:
    """The database is unavailable: the dashboard's page says so, without it."""
    return unavailable_response(error, template="dashboard/error.html")


for _kind in UNAVAILABLE:
    bp.register_error_handler(_kind, page_unavailable)


def pending_total() -> int:
    """The header's count of waiting comments; none on a page the database failed."""
    if g.get("database_unavailable"):
        return 0
    try:
        return queries.pending_count() if current_user.is_authenticated else 0
    except SQLAlchemyError:
        # An error page must render even so: without the count.
        rollback()
        g.database_unavailable = True
        return 0


def held(stored: str) -> str:
    """Why the spam rules held a comment, in the moderator's language."""
    return "; ".join(str(part) for part in explain(stored))


@bp.context_processor
def dashboard_globals() -> dict[str, Any]:
    return {
        "Status": Status,
        "status_name": status_name,
        "status_tab": STATUS_TABS.__getitem__,
        "event_name": event_name,
        "held": held,
        "actions": ALL_ACTIONS,
        "status_actions": STATUS_ACTIONS.values(),
        "pending_total": pending_total(),
    }


from . import articles, auth, data, notify, queue, settings  # noqa: E402,F401  (the views register on bp)
