"""The demo blog: an article with the widget embedded through the real snippet."""

from __future__ import annotations

import secrets

from flask import Response, render_template

from ..security import demo_csp
from . import bp

DEMO_ARTICLE_ID = "miracle-in-cell-no-7"


@bp.get("/demo")
def demo() -> Response:
    """A blog page with the widget embedded through the real snippet."""
    nonce = secrets.token_urlsafe(16)
    html = render_template("demo.html", article_id=DEMO_ARTICLE_ID, style_nonce=nonce)
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = demo_csp(nonce)
    response.headers["X-Frame-Options"] = "DENY"
    return response
