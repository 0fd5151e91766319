"""Reading: what readers see of an article, and the one public form of a comment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from itertools import starmap
from typing import Any, NamedTuple, Protocol

from sqlalchemy import Integer, Result, Row, Select, String, and_, bindparam, func, select, tuple_
from sqlalchemy.orm import joinedload

from ..core.database import db
from .models import Article, Comment, Status
from .threads import ThreadNode, build_thread

SORTS = ("oldest", "newest")


def approved_comments(article_id: str) -> list[Comment]:
    """The published comments of an article, oldest first."""
    return list(
        db.session.scalars(
            select(Comment)
            .where(Comment.article_id == article_id, Comment.status == Status.APPROVED)
            .order_by(Comment.created_at, Comment.id)
        )
    )


# The public read path selects the tables' columns, not the mapped attributes: the
# session then runs the statements as Core ones, and hands back rows without going
# through the ORM's loading (the read path only reads, and needs no model object).
COMMENTS = Comment.__table__
ARTICLES = Article.__table__


class ShownComment(Protocol):
    """A comment as the public read path has it: a model object or a row of its columns."""

    @property
    def id(self) -> int: ...
    @property
    def parent_id(self) -> int | None: ...
    @property
    def author_name(self) -> str: ...
    @property
    def email(self) -> str: ...
    @property
    def website(self) -> str: ...
    @property
    def html(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def by_moderator_id(self) -> int | None: ...


class ShownRow(NamedTuple):
    """What readers are shown of a comment, and its email (for the avatar, never shown),
    as the page keeps it: a plain tuple, whose fields cost an index each to read (a
    database row's named fields cost a lookup by name, and the template and the JSON read
    about ten of them per comment)."""

    id: int
    parent_id: int | None
    author_name: str
    email: str
    website: str
    html: str
    created_at: datetime
    by_moderator_id: int | None


# The columns of a ``ShownRow``, in its order.
SHOWN_COLUMNS = tuple(COMMENTS.c[name] for name in ShownRow._fields)


def _shown_rows(result: Result[Any]) -> list[ShownRow]:
    return list(starmap(ShownRow, result.all()))


@dataclass
class ThreadPage:
    """One page of an article's conversation: whole threads, in the order shown."""

    threads: list[ThreadNode]
    # Pass as ``before`` for the next, older page; None on the oldest page.
    older: int | None
    # This page is not the newest one (a "newest comments" link leads back).
    newer: bool
    # The article's published comments, on every page.
    total: int
    sort: str

    @property
    def comments(self) -> list[ShownComment]:
        """Every comment of the page, each thread's root then its replies in order."""
        flat: list[ShownComment] = []
        stack = list(reversed(self.threads))
        while stack:
            node = stack.pop()
            flat.append(node.comment)
            stack.extend(reversed(node.replies))
        return flat


def _thread_root(article_id: str, comment_id: int) -> Comment | None:
    """The published comment that starts the thread ``comment_id`` is shown in, or None
    when readers do not see that comment. As many reads as the thread is deep."""
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.article_id != article_id or comment.status != Status.APPROVED:
        return None
    while comment.parent is not None and comment.parent.status == Status.APPROVED:
        comment = comment.parent
    return comment


# Made once: an alias copies every column of the table, which costs more than building
# the rest of a page's statements.
PARENT = COMMENTS.alias("parent")
CHILD = COMMENTS.alias("child")


def roots_query(article_id: str, cursor: tuple[datetime, int, bool] | None = None) -> Select[Any]:
    """Published comments that start a thread (no published parent), newest first,
    older than ``(created_at, id, inclusive)`` when given: a range of the article's
    index, read backwards."""
    comment, parent = COMMENTS.c, PARENT.c
    query = (
        select(*SHOWN_COLUMNS)
        .outerjoin(PARENT, and_(parent.id == comment.parent_id, parent.status == Status.APPROVED))
        .where(
            comment.article_id == article_id,
            comment.status == Status.APPROVED,
            parent.id.is_(None),
        )
    )
    if cursor is not None:
        key = tuple_(comment.created_at, comment.id)
        bound = tuple_(cursor[0], cursor[1])
        query = query.where(key <= bound if cursor[2] else key < bound)
    return query.order_by(comment.created_at.desc(), comment.id.desc())


def thread_page(
    article_id: str,
    *,
    size: int,
    sort: str = "oldest",
    before: int | None = None,
    around: int | None = None,
    max_depth: int | None = None,
) -> ThreadPage:
    """The newest ``size`` threads (top-level comments with all their published
    replies) of an article, or those older than the thread started by ``before``, or
    the page that starts with the thread holding comment ``around`` (a permalink).

    Keyset paging on ``ix_comment_article_status_created``: every page costs the same
    few statements and index range scans, however many comments came before it.
    ``sort`` orders the threads on the page (replies are always oldest first).
    """
    cursor: tuple[datetime, int, bool] | None = None
    if around is not None:
        root = _thread_root(article_id, around)
        # A thread on the newest page opens the newest page itself.
        newest = select(roots_query(article_id).limit(size).subquery().c.id)
        if root is not None and root.id not in set(db.session.scalars(newest)):
            cursor = (root.created_at, root.id, True)
    elif before is not None:
        row = db.session.execute(
            select(Comment.created_at).where(Comment.id == before, Comment.article_id == article_id)
        ).one_or_none()
        if row is not None:
            cursor = (row[0], before, False)

    values: dict[str, Any] = {"article_id": article_id}
    if cursor is not None:
        values.update(cursor_at=cursor[0], cursor_id=cursor[1])
    statement = _page_roots(None if cursor is None else cursor[2], size + 1)
    rows = _shown_rows(db.session.execute(statement, values))
    roots, more = rows[:size], len(rows) > size
    replies: list[ShownRow] = []
    if roots:
        ids = [r.id for r in roots]
        replies = _shown_rows(db.session.execute(_replies_of(), {"roots": ids}))
    shown = roots if sort == "newest" else list(reversed(roots))
    # A page holding every thread holds every published comment once (a reply whose
    # parent is not shown is a thread of its own): no count to run.
    whole = cursor is None and not more
    return ThreadPage(
        threads=build_thread([*shown, *replies], max_depth),
        older=roots[-1].id if more else None,
        newer=cursor is not None,
        total=len(roots) + len(replies) if whole else approved_count(article_id),
        sort=sort,
    )


# A page's statements are built once per shape, their values passed as parameters:
# building one and finding its compiled form again costs more than running it.


@lru_cache(maxsize=32)
def _page_roots(inclusive: bool | None, limit: int) -> Select[Any]:
    """``roots_query`` with the article and the cursor (none, older than it, or from
    it on) as parameters."""
    cursor = None
    if inclusive is not None:
        moment = bindparam("cursor_at", type_=COMMENTS.c.created_at.type)
        cursor = (moment, bindparam("cursor_id", type_=Integer), inclusive)
    return roots_query(bindparam("article_id", type_=String), cursor).limit(limit)  # type: ignore[arg-type]


@lru_cache(maxsize=1)
def _replies_of() -> Select[Any]:
    """The published replies under the threads ``roots``, oldest first.

    Every reply under a published parent, then the published ones among them: a status
    test in the tree's first step would let SQLite (without statistics) walk every
    published comment through the status index, rather than find the few replies of
    these threads by their parent; the rows are then read by primary key.
    """
    comment, child = COMMENTS.c, CHILD.c
    tree = (
        select(comment.id, comment.status)
        .where(comment.parent_id.in_(bindparam("roots", expanding=True)))
        .cte("tree", recursive=True)
    )
    tree = tree.union_all(
        select(child.id, child.status)
        .join(tree, child.parent_id == tree.c.id)
        .where(tree.c.status == Status.APPROVED)
    )
    shown_ids = select(tree.c.id).where(tree.c.status == Status.APPROVED)
    return (
        select(*SHOWN_COLUMNS)
        .where(comment.id.in_(shown_ids))
        .order_by(comment.created_at, comment.id)
    )


APPROVED_COUNT = select(func.count()).where(
    Comment.article_id == bindparam("article_id"), Comment.status == Status.APPROVED
)


FEED_SIZE = 50


def latest_approved(article_id: str | None, limit: int) -> list[Comment]:
    """The newest published comments of an article, or of every article (None), newest
    first: one index range scan either way."""
    query = select(Comment).where(Comment.status == Status.APPROVED)
    if article_id is not None:
        query = query.where(Comment.article_id == article_id)
    else:
        query = query.options(joinedload(Comment.article))
    return list(
        db.session.scalars(
            query.order_by(Comment.created_at.desc(), Comment.id.desc()).limit(limit)
        )
    )


# Built once, like the version's statement below.
ARTICLE_ROW = select(
    ARTICLES.c.id,
    ARTICLES.c.title,
    ARTICLES.c.url,
    ARTICLES.c.closed,
    ARTICLES.c.version,
    ARTICLES.c.created_at,
).where(ARTICLES.c.id == bindparam("article_id"))


def article_row(article_id: str) -> Row[tuple[str, str, str, bool, int, datetime]] | None:
    """An article's id, title, address, whether it is closed, and what its version token
    is made of (``version_token(row.version, row.created_at)``), or None."""
    return db.session.execute(  # type: ignore[return-value]
        ARTICLE_ROW, {"article_id": article_id}
    ).one_or_none()


def approved_count(article_id: str) -> int:
    """How many published comments an article has (one prebuilt statement)."""
    return int(db.session.execute(APPROVED_COUNT, {"article_id": article_id}).scalar_one())


# Built once: the hot path of every public read.
VERSION_QUERY = select(Article.version, Article.created_at).where(
    Article.id == bindparam("article_id")
)


def version_token(version: int, created_at: datetime) -> str:
    """The version counts the changes (see ``articles.bump_version``); the creation time
    tells a deleted and re-created article from the old one."""
    return f"{version}@{created_at.isoformat()}"


def public_version(article_id: str) -> str | None:
    """A token that changes whenever what readers see of an article changes, or None
    when there is no such article: one primary-key read, whatever the thread's size."""
    row = db.session.execute(VERSION_QUERY, {"article_id": article_id}).one_or_none()
    return None if row is None else version_token(*row)


def approved_counts(article_ids: list[str]) -> dict[str, int]:
    """Published-comment counts of several articles at once (0 for unknown ones)."""
    counts = dict.fromkeys(article_ids, 0)
    if not counts:
        return counts
    rows = db.session.execute(
        select(Comment.article_id, func.count())
        .where(Comment.article_id.in_(list(counts)), Comment.status == Status.APPROVED)
        .group_by(Comment.article_id)
    )
    for article_id, count in rows:
        counts[article_id] = int(count)
    return counts


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def public_comment(comment: ShownComment) -> dict[str, Any]:
    """The only public representation of a comment: no email, no address."""
    return {
        "id": comment.id,
        "parent_id": comment.parent_id,
        "author": comment.author_name,
        "website": comment.website or None,
        "html": comment.html,
        "created_at": _iso(comment.created_at),
        "by_moderator": comment.by_moderator_id is not None,
    }
