"""Moderating: approve, reject, mark as spam, restore, edit, delete, reply as the site.

These functions change state and return model objects. They never look at the
request, flash a message or commit: the view owns HTTP and the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from ..accounts.models import Moderator
from ..core.database import db
from ..core.exceptions import ConflictError, DomainError
from ..core.i18n import _
from ..spam import evaluation, learning
from .actions import ACTION_FOR_STATUS, ACTIONS
from .articles import bump_version
from .audit import record
from .models import Comment, Status
from .notifications import reply_published, status_changed
from .rendering import render_comment
from .threads import TOO_DEEP, can_reply_to


def _check_version(comment: Comment, expected_version: int | None) -> None:
    if expected_version is not None and comment.version != expected_version:
        raise ConflictError(
            _(
                "Comment #%(id)s was changed by someone else in the meantime; "
                "it is shown as it is now.",
                id=comment.id,
            )
        )


def _flush(comment: Comment) -> None:
    # Read the id first: after a failed flush the session refuses to load anything.
    comment_id = comment.id
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise ConflictError(
            _("Comment #%(id)s was changed by someone else at the same moment.", id=comment_id)
        ) from exc


def teach_filter(comment: Comment, label: str | None) -> None:
    """Make the learning filter's lesson from this comment ``label`` ("spam", "ham" or
    None), taking back the one it taught before. Site replies teach nothing."""
    if comment.by_moderator_id is not None or comment.trained_as == label:
        return
    tokens = learning.tokens(comment.body, comment.website)
    before, comment.trained_as = comment.trained_as, label
    # The comment is flushed once, by the caller (one version step, conflicts caught).
    with db.session.no_autoflush:
        learning.relearn(learning.DatabaseCounts(), tokens, before, label)


def retrain_filter() -> evaluation.Retrained:
    """Rebuild the learning filter from the decisions standing: every comment approved
    (honest) or marked as spam by a moderator, with its text as it is now."""
    rows = db.session.execute(
        select(Comment.body, Comment.website, Comment.trained_as)
        .where(Comment.trained_as.in_(learning.LABELS))
        .order_by(Comment.id)
    )
    return evaluation.retrain((body, website or "", str(label)) for body, website, label in rows)


def set_status(
    comment: Comment,
    status: Status,
    moderator: Moderator | None,
    *,
    expected_version: int | None = None,
    detail: str = "",
) -> Comment:
    """Move a comment to a new status and log who did it (``detail``: how, such as "by
    email link"); the webhooks and the readers' mails it causes go to the outbox."""
    _check_version(comment, expected_version)
    before = comment.status
    if before == status:
        return comment
    comment.status = status
    teach_filter(comment, learning.label_for(status.value))
    _flush(comment)
    record(
        comment,
        moderator,
        ACTION_FOR_STATUS[status].name,
        from_status=before,
        to_status=status,
        detail=detail,
    )
    if Status.APPROVED in (before, status):
        bump_version(comment.article_id)
    status_changed(comment, before)
    return comment


def approve(comment: Comment, moderator: Moderator | None = None, **kw: Any) -> Comment:
    """Publish a comment."""
    return set_status(comment, Status.APPROVED, moderator, **kw)


def reject(comment: Comment, moderator: Moderator | None = None, **kw: Any) -> Comment:
    """Refuse a comment; it stays in the database, out of sight."""
    return set_status(comment, Status.REJECTED, moderator, **kw)


def mark_spam(comment: Comment, moderator: Moderator | None = None, **kw: Any) -> Comment:
    """File a comment as spam."""
    return set_status(comment, Status.SPAM, moderator, **kw)


def restore(comment: Comment, moderator: Moderator | None = None, **kw: Any) -> Comment:
    """Put a comment back in the pending queue."""
    return set_status(comment, Status.PENDING, moderator, **kw)


def edit_comment(
    comment: Comment,
    body: str,
    moderator: Moderator | None,
    *,
    expected_version: int | None = None,
) -> Comment:
    """Change a comment's text (re-rendered) and log the change."""
    _check_version(comment, expected_version)
    if body == comment.body:
        return comment
    # The filter learnt from the old text: it learns from the new one instead.
    label = comment.trained_as
    teach_filter(comment, None)
    comment.body = body
    comment.html = render_comment(body)
    teach_filter(comment, label)
    _flush(comment)
    record(comment, moderator, "edit", from_status=comment.status, to_status=comment.status)
    if comment.status == Status.APPROVED:
        bump_version(comment.article_id)
    return comment


def delete_comment(
    comment: Comment, moderator: Moderator | None, *, expected_version: int | None = None
) -> None:
    """Delete a comment for good; replies stay, re-attached to nothing.

    The log keeps which comment it was (its id: the row's link to it is cut), its
    article and who deleted it; never who wrote it or what it said, which are gone for
    good too.
    """
    _check_version(comment, expected_version)
    article_id = comment.article_id
    # The filter is the sum of the decisions standing: a deleted one no longer counts.
    teach_filter(comment, None)
    record(comment, moderator, "delete", from_status=comment.status, detail=f"#{comment.id}")
    db.session.flush()
    db.session.delete(comment)
    _flush(comment)
    # Even an unpublished comment: its published replies lose their parent_id.
    bump_version(article_id)


SITE_NAME = "The site"


def moderator_reply(
    parent: Comment, moderator: Moderator, body: str, *, name: str | None = None
) -> Comment:
    """A reply from the site, published at once, signed with the moderator's display
    name (or ``name``)."""
    comment = Comment(
        article_id=parent.article_id,
        parent_id=parent.id,
        author_name=name or moderator.display_name or SITE_NAME,
        email=moderator.email,
        website="",
        body=body,
        html=render_comment(body),
        status=Status.APPROVED,
        by_moderator_id=moderator.id,
    )
    db.session.add(comment)
    db.session.flush()
    record(comment, moderator, "reply", to_status=Status.APPROVED)
    bump_version(comment.article_id)
    reply_published(comment)
    return comment


def reply_from_dashboard(
    parent: Comment,
    moderator: Moderator,
    body: str,
    *,
    expected_version: int | None = None,
    max_depth: int = 3,
) -> Comment:
    """Reply as the site. Replying to a pending comment approves it first, since a
    published reply under an unpublished comment would make no sense to readers."""
    _check_version(parent, expected_version)
    if parent.status in (Status.REJECTED, Status.SPAM):
        message = (
            _("Comment #%(id)s is rejected; restore and approve it before replying.")
            if parent.status == Status.REJECTED
            else _("Comment #%(id)s is spam; restore and approve it before replying.")
        )
        raise DomainError(message(id=parent.id))
    if not can_reply_to(parent, max_depth):
        raise DomainError(TOO_DEEP)
    if parent.status == Status.PENDING:
        approve(parent, moderator)
    return moderator_reply(parent, moderator, body)


@dataclass
class BulkResult:
    """What one action on many comments did: the ones changed and the ones skipped."""

    done: list[int]
    conflicts: list[int]


def moderate_many(
    items: list[tuple[Comment, int | None]], action: str, moderator: Moderator | None
) -> BulkResult:
    """Apply one action (``approve``, ``reject``, ``spam``, ``restore`` or ``delete``)
    to many comments, each with the version the moderator saw.

    A comment that changed since is skipped and reported, the others are done. A clash
    at the very moment of writing raises ConflictError: the caller rolls back.
    """
    if action not in ACTIONS:
        raise DomainError(_("Unknown action %(action)s.", action=repr(action)))
    status = ACTIONS[action].status
    result = BulkResult(done=[], conflicts=[])
    for comment, expected_version in items:
        if expected_version is not None and comment.version != expected_version:
            result.conflicts.append(comment.id)
            continue
        result.done.append(comment.id)
        if status is None:
            delete_comment(comment, moderator)
        else:
            set_status(comment, status, moderator)
    return result
