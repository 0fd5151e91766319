"""What every read path shares: the article as readers see it, and its validator."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask import Response, abort, current_app, request
from flask_babel import gettext as _

from .. import comments as domain
from ..core.database import MAX_ID, is_id


@dataclass(frozen=True)
class PageRequest:
    """Which page of an article's comments the query string asks for."""

    sort: str
    before: int | None
    around: int | None


def _single_arg(name: str) -> str | None:
    values = request.args.getlist(name)
    if len(values) > 1:
        abort(400, _("Give %(field)s once.", field=repr(name)))
    return values[0] if values else None


def _comment_id_arg(name: str) -> int | None:
    raw = _single_arg(name)
    if raw is None:
        return None
    if not is_id(raw):
        abort(
            400,
            _(
                "%(field)s must be a comment id (a whole number from 1 to %(max)d).",
                field=repr(name),
                max=MAX_ID,
            ),
        )
    return int(raw)


def page_request() -> PageRequest:
    """The page asked for: ``?before=ID`` (older than that thread), ``?comment=ID`` (the
    page holding that comment) and ``?sort=oldest|newest`` (else the owner's setting)."""
    sort = _single_arg("sort") or current_app.config["COMMENT_SORT"]
    if sort not in domain.SORTS:
        abort(400, _("'sort' must be 'oldest' or 'newest'."))
    return PageRequest(sort, _comment_id_arg("before"), _comment_id_arg("comment"))


def load_page(article_id: str, wanted: PageRequest) -> domain.ThreadPage:
    return domain.thread_page(
        article_id,
        size=current_app.config["PAGE_SIZE"],
        sort=wanted.sort,
        before=wanted.before,
        around=wanted.around,
    )


@dataclass
class ArticleView:
    """What the embed page needs to know of an article, existing or not yet."""

    id: str
    title: str
    url: str
    closed: bool


def public_etag(article_id: str, kind: str, *extra: str) -> str:
    """The validator of what readers see of an article, without rendering it.

    An existing article is keyed on its version (one primary-key read), never on the
    query string: the widget sends ``url=location.href``, and tracking parameters must
    not make a new validator. Only an article not created yet shows what the query
    string names (title and address, when the owner's settings accept that address), so
    only then do those take part. The settings
    that change the rendering always do; ``reply_to`` opens the form as a reply.
    """
    config = current_app.config
    wanted = page_request()
    version = domain.public_version(article_id) if domain.is_valid_article_id(article_id) else None
    if version is None:
        state = ["new", str(config["AUTO_CREATE_ARTICLES"]), *_details_from_query()]
    else:
        state = ["v", version]
    parts = (
        kind,
        *state,
        request.args.get("reply_to", ""),
        wanted.sort,
        str(wanted.before or ""),
        str(wanted.around or ""),
        str(config["PAGE_SIZE"]),
        str(config["EDIT_WINDOW_MINUTES"]),
        str(config["MAX_THREAD_DEPTH"]),
        str(config["GRAVATAR"]),
        *extra,
    )
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()


def unchanged(etag: str, article_id: str) -> bool:
    """Whether the reader's copy of the article's page is still current.

    ``If-None-Match`` uses the weak comparison (RFC 9110, 13.1.2): a proxy that
    compresses the response (nginx's gzip) hands out ``W/"…"``, and that must match too.
    ``*`` matches any current copy, so only an article readers can be shown: any other
    id still answers its 404.
    """
    if request.if_none_match.star_tag:
        return shown(article_id)
    return request.if_none_match.contains_weak(etag)


def shown(article_id: str) -> bool:
    """Whether readers see a page for ``article_id``: it exists, or it is created on its
    first comment (as ``article_view`` decides)."""
    if not domain.is_valid_article_id(article_id):
        return False
    return current_app.config["AUTO_CREATE_ARTICLES"] or domain.get_article(article_id) is not None


def not_modified(etag: str) -> Response:
    response = Response(status=304)
    response.set_etag(etag)
    response.headers["Cache-Control"] = "no-cache"
    return response


def _details_from_query() -> tuple[str, str]:
    """The title and address the query string names for an article not created yet, as
    its first comment would create it: none unless the address is the owner's."""
    config = current_app.config
    return domain.reader_details(
        request.args.get("title", ""),
        request.args.get("url", ""),
        origins=config["ALLOWED_ORIGINS"],
        prefixes=config["ARTICLE_URL_PREFIXES"],
    )


def article_view(article_id: str) -> ArticleView:
    article = domain.get_article(article_id)
    if article is not None:
        return ArticleView(article.id, article.title, article.url, article.closed)
    if current_app.config["AUTO_CREATE_ARTICLES"] and domain.is_valid_article_id(article_id):
        # Not created yet: show what the first comment would create it with.
        title, url = _details_from_query()
        return ArticleView(article_id, title, url, False)
    abort(404, domain.unknown_article_message(article_id))
