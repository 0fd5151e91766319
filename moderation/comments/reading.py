"""Reading: what readers see of an article, and the one public form of a comment."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Row, bindparam, func, select

from ..core.database import db
from .models import Article, Comment, Status


def approved_comments(article_id: str) -> list[Comment]:
    """The published comments of an article, oldest first."""
    return list(
        db.session.scalars(
            select(Comment)
            .where(Comment.article_id == article_id, Comment.status == Status.APPROVED)
            .order_by(Comment.created_at, Comment.id)
        )
    )


# What readers are shown of a comment, and its email (for the avatar, never shown).
SHOWN_COLUMNS = (
    Comment.id,
    Comment.parent_id,
    Comment.author_name,
    Comment.email,
    Comment.website,
    Comment.html,
    Comment.created_at,
    Comment.by_moderator_id,
)


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


def approved_rows(article_id: str) -> list[Row[Any]]:
    """The published comments of an article, oldest first, as rows of the columns readers
    are shown (no model objects: the public read path only reads)."""
    return list(
        db.session.execute(
            select(*SHOWN_COLUMNS)
            .where(Comment.article_id == article_id, Comment.status == Status.APPROVED)
            .order_by(Comment.created_at, Comment.id)
        )
    )


def article_row(article_id: str) -> Row[tuple[str, str, str, bool]] | None:
    """An article's id, title, address and whether it is closed, or None."""
    return db.session.execute(  # type: ignore[return-value]
        select(Article.id, Article.title, Article.url, Article.closed).where(
            Article.id == article_id
        )
    ).one_or_none()


def approved_count(article_id: str) -> int:
    """How many published comments an article has."""
    return approved_counts([article_id])[article_id]


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
