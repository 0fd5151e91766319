"""Posting: a reader's comment, stored as pending (or spam), rendered to safe HTML once."""

from __future__ import annotations

from dataclasses import dataclass

from ..core.database import db
from ..core.exceptions import CommentsClosed, InvalidParent
from .models import Article, Comment, Status
from .rendering import render_comment
from .threads import TOO_DEEP, can_reply_to


@dataclass(frozen=True)
class Submission:
    """What a reader sent, already validated by the form."""

    name: str
    email: str
    website: str
    body: str
    parent_id: int | None = None


def submit_comment(
    article: Article,
    submission: Submission,
    *,
    remote_addr: str | None = None,
    spam: bool = False,
    held_reason: str = "",
    max_depth: int = 3,
) -> Comment:
    """Store a reader's comment as pending (or spam), rendered to safe HTML once."""
    if article.closed:
        raise CommentsClosed("Comments are closed for this article.")
    if submission.parent_id is not None:
        parent = db.session.get(Comment, submission.parent_id)
        if parent is None or parent.article_id != article.id or parent.status != Status.APPROVED:
            raise InvalidParent("You can only reply to a published comment of this article.")
        if not can_reply_to(parent, max_depth):
            raise InvalidParent(TOO_DEEP)
    comment = Comment(
        article=article,
        parent_id=submission.parent_id,
        author_name=submission.name,
        email=submission.email,
        website=submission.website,
        body=submission.body,
        html=render_comment(submission.body),
        status=Status.SPAM if spam else Status.PENDING,
        held_reason=held_reason[:500],
        remote_addr=remote_addr,
    )
    db.session.add(comment)
    db.session.flush()
    return comment
