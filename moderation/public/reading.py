"""What every read path shares: the article as readers see it, and its validator."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Response, abort, current_app, g, render_template, request
from flask_babel import gettext as _

from .. import comments as domain
from ..comments.avatars import AvatarSheet
from ..comments.models import Comment, Status
from ..core.database import MAX_ID, is_id
from ..extensions import cache
from .caching import STORE_HEADER, cached_rendering, public_cache_headers, read_version

# The WSGI environ key where the fast path leaves the version it read (see fastpath).
VERSION_KEY = "moderation.article_version"


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
        max_depth=current_app.config["MAX_THREAD_DEPTH"],
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
    known = request.environ.get(VERSION_KEY)
    if known is not None and known[0] == article_id:
        if isinstance(known[1], Exception):
            raise known[1]  # the fast path's read failed: the database's error, once
        version = known[1]  # read by the fast path a moment ago
    elif domain.is_valid_article_id(article_id):
        version = read_version(cache.cache, config, article_id, lambda: _read_row(article_id))
    else:
        version = None
    g.public_version = version
    if version is None:
        state = ["new", str(config["AUTO_CREATE_ARTICLES"]), *_details_from_query()]
    else:
        state = ["v", version]
    page = page_parts(wanted.sort, wanted.before, wanted.around)
    return etag_of(kind, state, request.args.get("reply_to", ""), page, config, extra)


def page_parts(sort: str, before: int | None = None, around: int | None = None) -> list[str]:
    """The page request's share of a validator (the fast path serves the default page)."""
    return [sort, str(before or ""), str(around or "")]


def etag_of(
    kind: str,
    state: Sequence[str],
    reply_to: str,
    page: Sequence[str],
    config: Mapping[str, Any],
    extra: Sequence[str],
) -> str:
    """The validator from its parts (``public_etag``; the WSGI fast path uses it too)."""
    parts = (
        kind,
        *state,
        reply_to,
        *page,
        str(config["PAGE_SIZE"]),
        str(config["EDIT_WINDOW_MINUTES"]),
        str(config["MAX_THREAD_DEPTH"]),
        str(config["GRAVATAR"]),
        *extra,
    )
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()


def cached_read(kind: str, etag: str, article_id: str, render: Callable[[], bytes]) -> bytes:
    """The rendering of an existing article from the read cache, under the ETag
    ``public_etag`` just computed (it holds the article's version), else ``render()``.
    An article not created yet renders each time: it costs no comment query, and strangers'
    query strings must not fill the cache."""
    if g.get("public_version") is None:
        return render()
    return cached_rendering(kind, etag, render)


def keep_whole(response: Response) -> Response:
    """Let the fast path keep this answer whole, when it is an existing article's read."""
    if g.get("public_version") is not None:
        response.headers[STORE_HEADER] = "1"
    return response


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
    return public_cache_headers(response)


def avatar_sheet(prefix: str = "", *, inline: bool = False) -> AvatarSheet:
    """The avatars of one rendering, as the settings want them."""
    config = current_app.config
    return AvatarSheet(
        config["SECRET_KEY"], gravatar=config["GRAVATAR"], prefix=prefix, inline=inline
    )


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


def _read_row(article_id: str) -> str | None:
    """The article's version token, from its row, which ``article_view`` then uses
    rather than reading it again (one statement, and one moment, for both)."""
    row = domain.article_row(article_id)
    g.article_row = (article_id, row)
    return None if row is None else domain.version_token(row.version, row.created_at)


def article_view(article_id: str) -> ArticleView:
    read = g.pop("article_row", None)
    if read is not None and read[0] == article_id:
        article = read[1]
    elif domain.is_valid_article_id(article_id):
        article = domain.article_row(article_id)
    else:
        article = None
    if article is not None:
        return ArticleView(article.id, article.title, article.url, article.closed)
    if current_app.config["AUTO_CREATE_ARTICLES"] and domain.is_valid_article_id(article_id):
        # Not created yet: show what the first comment would create it with.
        title, url = _details_from_query()
        return ArticleView(article_id, title, url, False)
    abort(404, domain.unknown_article_message(article_id))


def pending_html(comment: Comment) -> str:
    """The reader's own comment, as they alone see it right after posting or changing it:
    the same template as every other comment, marked while it awaits moderation."""
    return render_template(
        "embed/pending.html",
        comments=domain.in_order([domain.ThreadNode(comment, [])]),
        avatars=avatar_sheet(inline=True),
        pending=comment.status is Status.PENDING,
        reply_form=None,
        max_depth=1,
    ).strip()
