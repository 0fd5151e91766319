"""The demo blog: an article with the widget embedded through the real snippet."""

from __future__ import annotations

import secrets

from flask import Response, render_template, request

from ..core.i18n import match_locale
from ..security import demo_csp
from . import bp

DEMO_ARTICLE_ID = "miracle-in-cell-no-7"


@bp.get("/demo")
def demo() -> Response:
    """A blog page with the widget embedded through the real snippet; ``?lang=ko`` shows
    it with ``data-lang``, as a blog in another language would."""
    nonce = secrets.token_urlsafe(16)
    lang = match_locale(request.args.get("lang"))
    html = render_template("demo.html", article_id=DEMO_ARTICLE_ID, style_nonce=nonce, lang=lang)
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = demo_csp(nonce)
    response.headers["X-Frame-Options"] = "DENY"
    return response
