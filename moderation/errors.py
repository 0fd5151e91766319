"""Error pages: JSON under ``/api/``, HTML elsewhere, chosen in one place."""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from .core.exceptions import ArticleNotFound, CommentsClosed, ConflictError, DomainError
from .extensions import db, limiter
from .security import dashboard_headers, error_page_csp

MESSAGES = {
    400: "The request could not be understood.",
    401: "Please log in first.",
    403: "That is not allowed.",
    404: "There is nothing here.",
    405: "That method is not allowed here.",
    409: "Someone else changed this in the meantime.",
    413: "That request is too large. Comments are limited to 10,000 characters.",
    429: "Too many requests. Please wait a moment and try again.",
    500: "Something went wrong on our side. Please try again later.",
}

# What each refusal of the domain means over HTTP; anything else it raises is a 400.
DOMAIN_STATUS: dict[type[DomainError], int] = {
    ArticleNotFound: 404,
    CommentsClosed: 403,
    ConflictError: 409,
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


def error_response(
    status: int, message: str | None = None, *, template: str = "error.html", **extra: Any
) -> Response:
    """A JSON or HTML error answer with a human-readable message."""
    message = message or MESSAGES.get(status, "Something went wrong.")
    if wants_json():
        response = jsonify(error=message, status=status, **extra)
    else:
        response = Response(
            render_template(template, status=status, message=message),
            mimetype="text/html",
        )
        response.headers["Content-Security-Policy"] = error_page_csp()
    response.status_code = status
    return response


# Pages under these paths show their errors in their own layout, even for an address
# that matches no view (a mistyped dashboard URL gets the dashboard's navigation).
PAGE_TEMPLATES = {"/moderation/": "dashboard/error.html"}


def wait_message() -> str:
    """A 429's message, with how long to wait when the limiter knows it."""
    limit = limiter.current_limit
    if limit is None:
        return MESSAGES[429]
    seconds = max(1, limit.reset_at - int(time.time()))
    unit = "second" if seconds == 1 else "seconds"
    return f"Too many requests. Please wait {seconds} {unit} and try again."


def http_error_response(error: HTTPException, template: str | None = None) -> Response:
    """The answer to any HTTP error, in the page ``template`` or as JSON."""
    status = error.code or 500
    if status >= 500:
        db.session.rollback()
    if template is None:
        prefix = next((p for p in PAGE_TEMPLATES if request.path.startswith(p)), None)
        template = PAGE_TEMPLATES[prefix] if prefix else "error.html"
    # Werkzeug's own descriptions are fine for most codes; ours read better for these.
    message = MESSAGES.get(status) if status in (405, 413, 500) else None
    if status == 429:
        message = wait_message()
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


def register_error_handlers(app: Flask) -> None:
    # InternalServerError also wraps unexpected exceptions: no details leave.
    app.register_error_handler(HTTPException, http_error_response)
