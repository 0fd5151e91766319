"""Reading: what readers see of an article, and the one public form of a comment."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from ..core.database import db
from .models import Article, Comment, ModerationEvent, Status


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


def public_state(article_id: str) -> str:
    """A short token that changes whenever what readers see of an article may change.

    It reads three small aggregates instead of the comments themselves, so an
    unchanged thread is answered with a 304 at a fraction of the cost of rendering it.
    Every moderation action logs an event for the article, and approved comments are
    counted and dated, so approvals, edits, deletions and replies all change it.
    """
    visible = db.session.execute(
        select(func.count(), func.max(Comment.updated_at), func.max(Comment.id)).where(
            Comment.article_id == article_id, Comment.status == Status.APPROVED
        )
    ).one()
    last_event = db.session.scalar(
        select(func.max(ModerationEvent.id)).where(ModerationEvent.article_id == article_id)
    )
    article = db.session.execute(
        select(Article.title, Article.url, Article.closed).where(Article.id == article_id)
    ).one_or_none()
    state = repr((tuple(visible), last_event, tuple(article) if article else None))
    return hashlib.blake2b(state.encode(), digest_size=12).hexdigest()


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
