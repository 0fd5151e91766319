"""The audit log: who did what to which comment or article, and when."""

from __future__ import annotations

import logging

from ..accounts.models import Moderator
from ..core.database import db
from .models import Comment, ModerationEvent, Status

log = logging.getLogger(__name__)


def record(
    comment: Comment | None,
    moderator: Moderator | None,
    action: str,
    *,
    from_status: Status | None = None,
    to_status: Status | None = None,
    detail: str = "",
    article_id: str | None = None,
) -> ModerationEvent:
    """Add a line to the audit log."""
    event = ModerationEvent(
        comment_id=comment.id if comment is not None else None,
        article_id=comment.article_id if comment is not None else article_id,
        moderator_id=moderator.id if moderator is not None else None,
        action=action,
        from_status=from_status.value if from_status else None,
        to_status=to_status.value if to_status else None,
        detail=detail,
    )
    db.session.add(event)
    log.info(
        "%s: %s%s by %s",
        action,
        f"comment #{event.comment_id}" if event.comment_id else "article",
        f" on {event.article_id}" if event.article_id else "",
        f"moderator #{event.moderator_id}" if event.moderator_id else "the command line",
    )
    return event
