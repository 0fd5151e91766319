"""The moderators' dashboard: log in, work through the queue, keep the articles.

Thin views: parse the request, call the domain (``comments``, ``accounts``) or the
queries, commit, flash, redirect. Every action is a POST with the session CSRF token;
pages answer HTML, scripts (``Accept: application/json``) get JSON.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Response
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from ..comments.models import Status
from ..core.database import utcnow
from ..core.text import safe_link
from ..errors import http_error_response
from . import queries
from .forms import BULK_ACTIONS

bp = Blueprint("dashboard", __name__, url_prefix="/moderation")

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


@bp.after_request
def security_headers(response: Response) -> Response:
    """The dashboard is never framed, runs only its own scripts, and is never cached."""
    response.headers.update(SECURITY_HEADERS)
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.errorhandler(HTTPException)
def page_error(error: HTTPException) -> ResponseReturnValue:
    """Errors inside the dashboard get its own page (the nav stays, the CSP holds)."""
    return http_error_response(error, template="dashboard/error.html")


@bp.app_template_filter("href")
def href(url: str | None) -> str:
    """An address safe to link to: http(s) or a local path; anything else is ''."""
    return safe_link(url)


@bp.app_template_filter("since")
def since(moment: datetime) -> str:
    """How long ago, in words (5 minutes ago, 3 hours ago), then the date after a week."""
    seconds = (utcnow() - moment).total_seconds()
    if seconds < 60:
        return "just now"
    for unit, size in (("minute", 60), ("hour", 3600), ("day", 86400)):
        count = int(seconds // size)
        if unit != "day" and count >= (60 if unit == "minute" else 24):
            continue
        if unit == "day" and count >= 7:
            break
        return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return moment.strftime("%-d %b %Y")


@bp.context_processor
def dashboard_globals() -> dict[str, Any]:
    waiting = queries.pending_count() if current_user.is_authenticated else 0
    return {"Status": Status, "bulk_actions": BULK_ACTIONS, "pending_total": waiting}


from . import articles, auth, queue  # noqa: E402,F401  (the views register on bp)
