"""The reader's own comment: changed or withdrawn for a while after posting, without an
account, by whoever holds the signed edit token the post answered with.

The token names one comment (its id, article and creation time, so a later comment that
reuses a deleted one's id is not reached) and is good for ``window`` seconds.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import update

from ..core.database import db, utcnow
from ..core.exceptions import EditRefused
from ..core.i18n import Text, _
from .articles import bump_version
from .audit import record
from .models import Comment, ModerationEvent, Status
from .rendering import render_comment

SALT = "moderation.edit-token"
EDIT = "reader edit"
DELETE = "reader delete"

TOO_LATE = _("The time to change this comment has passed.")
NOT_YOURS = _("This link does not allow changing that comment.")
GONE = _("This comment was deleted.")
SETTLED = _("This comment was turned down and can no longer be changed.")
BACK_TO_PENDING = _("Your comment was changed and is awaiting moderation again.")
STILL_PENDING = _("Your comment was changed; it is still awaiting moderation.")
DELETED = _("Your comment was deleted.")
UNCHANGED = _("Your comment was not changed.")


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=SALT)


def _stamp(moment: datetime) -> str:
    return moment.isoformat()


def issue_edit_token(secret_key: str, comment: Comment) -> str:
    """A token that lets its holder edit or delete ``comment`` for a while."""
    payload = {"c": comment.id, "a": comment.article_id, "t": _stamp(comment.created_at)}
    return _serializer(secret_key).dumps(payload)


def edit_deadline(comment: Comment, window: float) -> datetime:
    return comment.created_at + timedelta(seconds=window)


def comment_for_token(secret_key: str, token: str, article_id: str, window: float) -> Comment:
    """The comment ``token`` lets its holder change, or :class:`EditRefused`."""
    if window <= 0:
        raise EditRefused(TOO_LATE)
    try:
        payload = _serializer(secret_key).loads(token, max_age=int(window))
    except SignatureExpired as exc:
        raise EditRefused(TOO_LATE) from exc
    except BadSignature as exc:
        raise EditRefused(NOT_YOURS) from exc
    if not isinstance(payload, dict) or payload.get("a") != article_id:
        raise EditRefused(NOT_YOURS)
    comment_id = payload.get("c")
    if not isinstance(comment_id, int) or isinstance(comment_id, bool):
        raise EditRefused(NOT_YOURS)
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.article_id != article_id:
        raise EditRefused(GONE)
    if utcnow() > edit_deadline(comment, window):
        raise EditRefused(TOO_LATE)
    if payload.get("t") != _stamp(comment.created_at):
        raise EditRefused(GONE)
    return comment


def reader_edit(comment: Comment, body: str) -> Text:
    """Change the reader's comment; it goes (back) to pending. The audit log keeps the
    text it replaced. The same text again changes nothing. Returns what to tell the
    reader."""
    if comment.status not in (Status.PENDING, Status.APPROVED):
        raise EditRefused(SETTLED)
    before = comment.status
    if body == comment.body:
        return STILL_PENDING if before == Status.PENDING else UNCHANGED
    previous = comment.body
    comment.body = body
    comment.html = render_comment(body)
    comment.status = Status.PENDING
    db.session.flush()
    record(comment, None, EDIT, from_status=before, to_status=Status.PENDING, detail=previous)
    if before == Status.APPROVED:
        bump_version(comment.article_id)
        return BACK_TO_PENDING
    return STILL_PENDING


def reader_delete(comment: Comment) -> Text:
    """Delete the reader's comment for good. Like a moderator's deletion, the log keeps
    that it happened, not what it said: the texts its edits replaced go too."""
    article_id = comment.article_id
    db.session.execute(
        update(ModerationEvent)
        .where(ModerationEvent.comment_id == comment.id, ModerationEvent.action == EDIT)
        .values(detail=""),
        execution_options={"synchronize_session": False},
    )
    record(comment, None, DELETE, from_status=comment.status, detail=f"#{comment.id}")
    db.session.flush()
    db.session.delete(comment)
    db.session.flush()
    bump_version(article_id)
    return DELETED
