"""The demo blog: an article with the widget embedded through the real snippet."""

from __future__ import annotations

from flask import render_template

from . import bp

DEMO_ARTICLE_ID = "miracle-in-cell-no-7"


@bp.get("/demo")
def demo() -> str:
    """A blog page with the widget embedded through the real snippet."""
    return render_template("demo.html", article_id=DEMO_ARTICLE_ID)
