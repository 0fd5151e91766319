"""Reading: what readers see of an article, and the one public form of a comment."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

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


def approved_count(article_id: str) -> int:
    """How many published comments an article has."""
    return approved_counts([article_id])[article_id]


def public_version(article_id: str) -> str | None:
    """A token that changes whenever what readers see of an article changes, or None
    when there is no such article: one primary-key read, whatever the thread's size.

    The version counts the changes (see ``articles.bump_version``); the creation time
    tells a deleted and re-created article from the old one.
    """
    row = db.session.execute(
        select(Article.version, Article.created_at).where(Article.id == article_id)
    ).one_or_none()
    if row is None:
        return None
    version, created_at = row
    return f"{version}@{created_at.isoformat()}"


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


def public_comment(comment: Comment) -> dict[str, Any]:
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
