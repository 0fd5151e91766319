"""Every response header that protects a page, and every Content-Security-Policy, in one
place: what the blogs may frame, what the dashboard forbids, what each page may load."""

from __future__ import annotations

from flask import Flask, Response, current_app, g

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
    return csp(
        "default-src 'none'",
        "style-src 'self'",
        "script-src 'self'",
        _img_src(),
        "form-action 'self'",
        "base-uri 'none'",
        frame_ancestors(),
    )


def _img_src() -> str:
    img_src = "img-src 'self' data:"
    if current_app.config["GRAVATAR"]:
        img_src += " " + GRAVATAR_ORIGIN
    return img_src


def fragment_csp() -> str:
    """The fragment (comments and form, for the widget's shadow root or a server-side
    include). Where it is included, the blog's page's own policy applies; opened on its
    own it runs nothing, loads only its stylesheet and avatars, and is never framed."""
    return csp(
        "default-src 'none'",
        "style-src 'self'",
        _img_src(),
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )


def fragment_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = fragment_csp()
    response.headers["X-Frame-Options"] = "DENY"
    return response


def demo_csp(style_nonce: str) -> str:
    """The demo blog page: the widget's script from this origin, its inline style sheet by
    nonce, the no-JS iframe of /embed; never framed itself."""
    return csp(
        "default-src 'none'",
        "script-src 'self'",
        "connect-src 'self'",
        f"style-src 'self' 'nonce-{style_nonce}'",
        _img_src(),
        "frame-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
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
    if g.get("link_page"):  # a mail link's page keeps its stricter headers
        return response
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


def link_page_headers(response: Response) -> Response:
    """Pages reached from a link in a mail (confirm, unsubscribe, one-click moderation):
    no script, never framed, never cached, and the token in their address never leaves
    in a Referer."""
    response.headers["Content-Security-Policy"] = csp(
        "default-src 'none'",
        "style-src 'self'",
        "img-src 'self' data:",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    g.link_page = True
    return response
