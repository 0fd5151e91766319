"""Every response header that protects a page, and every Content-Security-Policy, in one
place: what the blogs may frame, what the dashboard forbids, what each page may load."""

from __future__ import annotations

from flask import Flask, Response, current_app

from .comments.avatars import GRAVATAR_ORIGIN

DEFAULT_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def allowed_origins() -> list[str]:
    """The blogs' origins (``MODERATION_ALLOWED_ORIGINS``)."""
    return current_app.config["ALLOWED_ORIGINS"]


def frame_ancestors() -> str:
    """The CSP ``frame-ancestors`` value for pages meant to be framed by the blogs."""
    sources = ["'self'", *(o for o in allowed_origins() if o != "*")]
    if "*" in allowed_origins():
        sources = ["*"]
    return "frame-ancestors " + " ".join(sources)


def csp(*directives: str) -> str:
    return "; ".join(directives)


def embed_page_csp() -> str:
    """The /embed page: its own styles and script, avatars, framed by the blogs only."""
    img_src = "img-src 'self' data:"
    if current_app.config["GRAVATAR"]:
        img_src += " " + GRAVATAR_ORIGIN
    return csp(
        "default-src 'none'",
        "style-src 'self'",
        "script-src 'self'",
        img_src,
        "form-action 'self'",
        "base-uri 'none'",
        frame_ancestors(),
    )


def error_page_csp() -> str:
    """Error pages run no script; they may show inside the blogs' /embed iframes."""
    return csp("default-src 'none'", "style-src 'self'", "base-uri 'none'", frame_ancestors())


# The dashboard is never framed, runs only its own scripts, and is never cached.
DASHBOARD_HEADERS = {
    "Content-Security-Policy": csp(
        "default-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def dashboard_headers(response: Response) -> Response:
    response.headers.update(DASHBOARD_HEADERS)
    response.headers.setdefault("Cache-Control", "no-store")
    return response


# Behind HTTPS (``SECURE_COOKIES``), browsers are told to use nothing else here for a
# year, so a network attacker cannot downgrade a visit to plain HTTP and read the session.
# No includeSubDomains: the service may share a domain with sites that are not ours.
HSTS = "max-age=31536000"


def add_default_headers(response: Response) -> Response:
    for name, value in DEFAULT_HEADERS.items():
        response.headers.setdefault(name, value)
    if current_app.config["SECURE_COOKIES"]:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_default_headers)
