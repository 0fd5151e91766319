"""Headers every response carries, whatever blueprint answered it."""

from __future__ import annotations

from flask import Flask, Response, current_app

DEFAULT_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def allowed_origins() -> list[str]:
    """The blogs' origins (``MODERATION_ALLOWED_ORIGINS``)."""
    return list(current_app.config["ALLOWED_ORIGINS"])


def frame_ancestors() -> str:
    """The CSP ``frame-ancestors`` value for pages meant to be framed by the blogs."""
    sources = ["'self'", *(o for o in allowed_origins() if o != "*")]
    if "*" in allowed_origins():
        sources = ["*"]
    return "frame-ancestors " + " ".join(sources)


def add_default_headers(response: Response) -> Response:
    for name, value in DEFAULT_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_default_headers)
