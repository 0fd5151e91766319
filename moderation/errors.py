"""Error pages: JSON under ``/api/``, HTML elsewhere, chosen in one place; and the error
log: once per request, with the request's id, without any value the request carried."""

from __future__ import annotations

import logging
import secrets
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, current_app, g, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from .core.exceptions import (
    ArticleNotFound,
    CommentsClosed,
    ConflictError,
    DomainError,
    EditRefused,
    Forbidden,
    LinkUsed,
    NotFound,
)
from .extensions import db, limiter
from .security import dashboard_headers, error_page_csp

MESSAGES = {
    400: _l("The request could not be understood."),
    401: _l("Please log in first."),
    403: _l("That is not allowed."),
    404: _l("There is nothing here."),
    405: _l("That method is not allowed here."),
    409: _l("Someone else changed this in the meantime."),
    413: _l("That request is too large. Comments are limited to 10,000 characters."),
    414: _l("That address is too long."),
    429: _l("Too many requests. Please wait a moment and try again."),
    500: _l("Something went wrong on our side. Please try again later."),
    503: _l("The comments are unavailable for a moment. Please try again in a minute."),
}
SOMETHING_WRONG = _l("Something went wrong.")
# Flask-WTF's own descriptions are English only.
FORM_EXPIRED = _l(
    "This form has expired or did not come from this site. Reload the page and try again."
)

log = logging.getLogger(__name__)

# A database that is down, unreachable, hung or saturated: a 503, tried again later.
UNAVAILABLE: tuple[type[SQLAlchemyError], ...] = (OperationalError, DisconnectionError, PoolTimeout)
RETRY_AFTER_SECONDS = 30

# What each refusal of the domain means over HTTP; anything else it raises is a 400.
DOMAIN_STATUS: dict[type[DomainError], int] = {
    ArticleNotFound: 404,
    CommentsClosed: 403,
    ConflictError: 409,
    NotFound: 404,
    Forbidden: 403,
    LinkUsed: 410,
    EditRefused: 403,
}


def status_for(error: DomainError) -> int:
    """The HTTP status of a domain refusal."""
    for kind in type(error).__mro__:
        if kind in DOMAIN_STATUS:
            return DOMAIN_STATUS[kind]
    return 400


def wants_json() -> bool:
    """The API, or a script asking (``Accept: application/json``, ``X-Requested-With``)."""
    if request.path.startswith("/api/"):
        return True
    if request.headers.get("X-Requested-With") == "XMLHttpRequest":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and not request.accept_mimetypes.accept_html


def request_id() -> str:
    """A short random id for this request: in the ``X-Request-Id`` header, on error pages
    and in the error log, so a person can quote it and a moderator can find the entry."""
    if "request_id" not in g:
        g.request_id = secrets.token_hex(6)
    return str(g.request_id)


def add_request_id(response: Response) -> Response:
    response.headers["X-Request-Id"] = request_id()
    return response


def error_response(
    status: int, message: object = None, *, template: str = "error.html", **extra: Any
) -> Response:
    """A JSON or HTML error answer with a human-readable message, in the request's
    language (and, for a failure on our side, the request id to quote)."""
    message = str(message or MESSAGES.get(status, SOMETHING_WRONG))
    reference = request_id() if status >= 500 else None
    if reference:
        extra.setdefault("request_id", reference)
    if wants_json():
        response = jsonify(error=message, status=status, **extra)
    else:
        response = Response(
            render_template(
                template,
                status=status,
                message=message,
                request_id=reference,
                database_unavailable=bool(g.get("database_unavailable")),
            ),
            mimetype="text/html",
        )
        if template == PAGE_TEMPLATES["/moderation/"]:
            # The dashboard's own policy (never framed), not the error pages' default,
            # which lets the blogs frame /embed errors.
            dashboard_headers(response)
        else:
            response.headers["Content-Security-Policy"] = error_page_csp()
    response.status_code = status
    return response


# Pages under these paths show their errors in their own layout, even for an address
# that matches no view (a mistyped dashboard URL gets the dashboard's navigation).
PAGE_TEMPLATES = {"/moderation/": "dashboard/error.html"}


# The widget shows a fragment's error in its place: a paragraph, not a page.
FRAGMENT_ERROR_TEMPLATE = "embed/load_error.html"


def is_fragment_path(path: str) -> bool:
    return path.startswith("/embed/") and path.endswith("/fragment")


def wait_message() -> str:
    """A 429's message, with how long to wait when the limiter knows it."""
    limit = limiter.current_limit
    if limit is None:
        return str(MESSAGES[429])
    seconds = max(1, limit.reset_at - int(time.time()))
    return ngettext(
        "Too many requests. Please wait %(num)d second and try again.",
        "Too many requests. Please wait %(num)d seconds and try again.",
        seconds,
    )


def http_error_response(error: HTTPException, template: str | None = None) -> Response:
    """The answer to any HTTP error, in the page ``template`` or as JSON."""
    status = error.code or 500
    if status >= 500:
        rollback()
    if template is None and is_fragment_path(request.path):
        template = FRAGMENT_ERROR_TEMPLATE
    if template is None:
        prefix = next((p for p in PAGE_TEMPLATES if request.path.startswith(p)), None)
        template = PAGE_TEMPLATES[prefix] if prefix else "error.html"
    # A description of our own (``abort(404, ...)``) says more; Werkzeug's defaults are
    # English only, so ours, translated, stand in for them.
    own = error.description != type(error).description and status not in (405, 413, 500)
    message = error.description if own else MESSAGES.get(status, error.description)
    if status == 429:
        # A limit counted by the view says itself how long to wait.
        message = error.description if getattr(error, "retry_after", None) else wait_message()
    if isinstance(error, CSRFError):
        message = FORM_EXPIRED
    response = error_response(status, message or error.description, template=template)
    if template == PAGE_TEMPLATES["/moderation/"]:
        dashboard_headers(response)
    valid_methods = getattr(error, "valid_methods", None)
    if status == 405 and valid_methods:
        response.headers["Allow"] = ", ".join(sorted(valid_methods))
    retry = getattr(error, "retry_after", None)
    if status == 429 and retry:
        response.headers["Retry-After"] = str(retry)
    return response


def rollback() -> None:
    """Roll the session back, even when the connection is gone."""
    try:
        db.session.rollback()
    except SQLAlchemyError:
        db.session.close()


def unavailable_response(error: Exception, template: str = "error.html") -> Response:
    """The database is down, unreachable or hung: a 503 with ``Retry-After``, not a 500.

    The page says so without the database: no moderator is loaded for it (see
    ``load_user``), no count is read for the dashboard's header.
    """
    g.database_unavailable = True
    rollback()
    log_failure(error)
    response = error_response(503, template=template)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def register_error_handlers(app: Flask) -> None:
    # InternalServerError also wraps unexpected exceptions: no details leave.
    app.register_error_handler(HTTPException, http_error_response)
    for kind in UNAVAILABLE:
        app.register_error_handler(kind, unavailable_response)
    app.after_request(add_request_id)
    app.extensions["moderation.error_log"] = ErrorLog(log)


# --- the error log ----------------------------------------------------------------------

SUMMARY_WINDOW_SECONDS = 60.0
MESSAGE_MAX = 300


def safe_message(error: BaseException) -> str:
    """What went wrong, without the values involved.

    For a database error: the driver's first line (PostgreSQL's ``DETAIL: Failing row
    contains (…)`` and ``Key (email)=(…)`` lines are left out) and the statement, whose
    values are bound parameters, never shown (``hide_parameters``).
    """
    if isinstance(error, DBAPIError):
        original = error.orig
        kind = f"{type(original).__module__}.{type(original).__qualname__}"
        statement = " ".join((error.statement or "").split())[:MESSAGE_MAX]
        sql = f" [SQL: {statement}]" if statement else ""
        return f"({kind}) {_first_line(original)}{sql}"
    return _first_line(error)


def _first_line(error: object) -> str:
    lines = str(error).strip().splitlines()
    return lines[0][:MESSAGE_MAX] if lines else ""


def safe_traceback(error: BaseException) -> str:
    """The traceback of ``error`` and of the errors that led to it, with safe messages."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        cause = current.__cause__
        current = (
            cause if cause is not None or current.__suppress_context__ else (current.__context__)
        )
    parts = [
        "Traceback (most recent call last):\n"
        + "".join(traceback.format_tb(item.__traceback__))
        + f"{type(item).__module__}.{type(item).__qualname__}: {safe_message(item)}"
        for item in reversed(chain)
    ]
    return "\n\nThe above led to:\n\n".join(parts)


@dataclass
class Occurrences:
    since: float
    repeats: int = 0


class ErrorLog:
    """Logs an error with its traceback the first time; its identical repeats within a
    minute are counted, then summarised in one line, instead of each dumped in full.

    A 15-second database outage is one traceback and one "N more times" line, not
    hundreds of tracebacks.
    """

    def __init__(
        self,
        logger: logging.Logger,
        window: float = SUMMARY_WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.logger = logger
        self.window = window
        self.clock = clock
        self._seen: dict[str, Occurrences] = {}
        self._lock = threading.Lock()

    def record(self, error: BaseException, context: str) -> None:
        key = f"{type(error).__qualname__}: {safe_message(error)}"
        with self._lock:
            now = self.clock()
            self._summarise(now)
            seen = self._seen.get(key)
            if seen is not None:
                seen.repeats += 1
                return
            self._seen[key] = Occurrences(since=now)
        self.logger.error("%s: %s\n%s", context, key, safe_traceback(error))

    def _summarise(self, now: float) -> None:
        """One line per error whose minute is over; the next occurrence is logged anew."""
        for key, seen in list(self._seen.items()):
            if now - seen.since < self.window:
                continue
            del self._seen[key]
            if seen.repeats:
                minutes = max(1, round((now - seen.since) / 60))
                span = "minute" if minutes == 1 else f"{minutes} minutes"
                self.logger.error(
                    "%s: %d more time%s in the last %s",
                    key,
                    seen.repeats,
                    "" if seen.repeats == 1 else "s",
                    span,
                )


def log_failure(error: BaseException | None) -> None:
    """Log what failed during this request, once, with the request id."""
    if error is None or g.get("failure_logged"):
        return
    g.failure_logged = True
    context = f"Request {request_id()} failed: {request.method} {request.path}"
    error_log: ErrorLog | None = current_app.extensions.get("moderation.error_log")
    if error_log is None:  # pragma: no cover - an app built without the handlers
        log.error("%s: %s\n%s", context, safe_message(error), safe_traceback(error))
        return
    error_log.record(error, context)
