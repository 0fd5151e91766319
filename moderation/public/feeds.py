"""Atom feeds of published comments: one per article, and one for the whole site."""

from __future__ import annotations

from flask import Response, render_template, request
from flask.typing import ResponseReturnValue

from .. import comments as domain
from ..urls import url_base
from . import bp
from .reading import article_view, not_modified, public_etag, unchanged

ATOM = "application/atom+xml"


def _feed_response(xml: str) -> Response:
    response = Response(xml, mimetype=ATOM)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/feeds/articles/<article_id>.atom")
def article_feed(article_id: str) -> ResponseReturnValue:
    """The newest published comments of one article, revalidated on its version."""
    etag = public_etag(article_id, "atom", url_base())
    if unchanged(etag, article_id):
        return not_modified(etag)
    article = article_view(article_id)
    entries = domain.latest_approved(article.id, domain.FEED_SIZE)
    response = _feed_response(render_template("feeds/atom.xml", article=article, entries=entries))
    response.set_etag(etag)
    return response


@bp.get("/feeds/comments.atom")
def site_feed() -> Response:
    """The newest published comments of every article. Its validator is a digest of
    the feed itself: any change to any article's comments shows in it."""
    entries = domain.latest_approved(None, domain.FEED_SIZE)
    response = _feed_response(render_template("feeds/atom.xml", article=None, entries=entries))
    response.add_etag()
    response.make_conditional(request)
    return response
