"""Who hears of what: the mails and webhooks a comment's life causes, written to the
outbox in the same transaction as the change itself.

- A new pending comment: a mail to each moderator who wants one (or a notice held for
  their digest), with signed one-click links; a ``comment.created`` webhook.
- A reader who ticked "Email me when someone replies": one confirmation request (at
  most one a day per address) until they confirm; then a mail when their comment is
  approved and when an approved reply arrives. Never a pending comment's text.
- Approved, rejected, spam: the ``comment.approved`` (…) webhooks.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ..accounts.models import Moderator
from ..core.database import db, utcnow
from ..core.exceptions import ConflictError, DomainError, Forbidden, LinkUsed, NotFound
from ..core.i18n import _, match_locale
from ..core.text import normalize_email, safe_link
from ..notify import CONFIRMATION, MODERATOR, READER, enqueue_mail, enqueue_webhook
from ..notify.addresses import address_for, find_address, may_mail, needs_confirmation
from ..notify.links import (
    CONFIRM,
    MODERATOR_ACTIONS,
    NOT_VALID,
    ActionLink,
    address_token,
    read_action,
)
from ..notify.models import Frequency, NotificationPreference
from ..notify.outbox import enqueue_event, expands
from ..notify.settings import current
from .actions import STATUS_FOR, STATUS_NAMES
from .models import Comment, SpentToken, Status
from .reading import public_comment

log = logging.getLogger(__name__)

WEBHOOK_EVENTS = {
    Status.APPROVED: "comment.approved",
    Status.REJECTED: "comment.rejected",
    Status.SPAM: "comment.spam",
}


def _comment_context(comment: Comment) -> dict[str, Any]:
    """What a mail says of a comment: its sanitized HTML, never the raw markup (the
    worker adds the text of it, see ``notify.compose``)."""
    article = comment.article
    parent = comment.parent
    return {
        "comment_id": comment.id,
        "version": comment.version,
        "status": comment.status.value,
        "article_id": article.id,
        "article_title": article.title or article.id,
        "article_url": safe_link(article.url),
        "author": comment.author_name,
        "email": comment.email,
        "website": safe_link(comment.website),
        "html": comment.html,
        "held_reason": comment.held_reason,
        "created_at": comment.created_at.isoformat(timespec="minutes"),
        "parent": (
            {
                "id": parent.id,
                "author": parent.author_name,
                "html": parent.html,
            }
            if parent is not None
            else None
        ),
    }


def _webhook_data(comment: Comment, include_private: bool) -> dict[str, Any]:
    data = public_comment(comment)
    data["status"] = comment.status.value
    data["article_id"] = comment.article_id
    if include_private:
        data["email"] = comment.email
        data["remote_addr"] = comment.remote_addr
    article = comment.article
    return {
        "comment": data,
        "article": {"id": article.id, "title": article.title, "url": article.url},
    }


def _webhooks(comment: Comment, event_type: str) -> None:
    settings = current()
    if not settings.webhook_urls:
        return
    data = _webhook_data(comment, settings.webhook_include_private)
    for url in settings.webhook_urls:
        enqueue_webhook(url, event_type, data)


def _tell_moderators(comment: Comment) -> None:
    """A mail for each active moderator who wants one, or a notice held for their digest;
    the worker signs the one-click links when it sends them."""
    moderators = db.session.execute(
        select(Moderator.id, Moderator.email, Moderator.locale, NotificationPreference.frequency)
        .outerjoin(NotificationPreference, NotificationPreference.moderator_id == Moderator.id)
        .where(Moderator.active.is_(True))
        .order_by(Moderator.id)
    ).all()
    wanted = [(i, e, lo, f) for i, e, lo, f in moderators if f != Frequency.NONE]
    if not wanted:
        return
    context = _comment_context(comment)
    subject = _(
        "New comment by %(name)s on %(title)s",
        name=comment.author_name,
        title=context["article_title"],
    )
    for moderator_id, email, locale, frequency in wanted:
        enqueue_mail(
            email,
            template="mail/new_comment",
            subject=subject,
            context={**context, "moderator_id": moderator_id},
            audience=MODERATOR,
            hold_for_moderator=moderator_id if frequency == Frequency.DIGEST else None,
            # In the language the moderator chose for the dashboard (else the default).
            locale=match_locale(locale),
        )


def _ask_for_confirmation(comment: Comment) -> None:
    """The first time an address asks for mail: one confirmation request a day at most."""
    address = address_for(comment.email)
    now = utcnow()
    if not needs_confirmation(address, now):
        return
    settings = current()
    address.confirmation_sent_at = now
    article = comment.article
    written = enqueue_mail(
        address.email,
        template="mail/confirm",
        subject=_(
            "Confirm your address to hear of replies on %(title)s",
            title=article.title or article.id,
        ),
        context={
            "token": address_token(settings.secret_key, CONFIRM, address.id),
            "article_title": article.title or article.id,
            "article_url": safe_link(article.url),
            "article_id": article.id,
            "max_age_days": max(1, settings.link_max_age // 86400),
        },
        audience=CONFIRMATION,
        locale=comment.locale,
        # One a day, whatever two requests at the same moment do.
        key=f"confirm:{address.id}:{now.date().isoformat()}",
    )
    if written:
        log.info("Confirmation requested for address #%d", address.id)


POSTED = "comment.posted"


def comment_posted(comment: Comment, *, wants_replies: bool = False) -> None:
    """A reader's comment was stored (pending, or published at once): one event in the
    outbox, in the same transaction. The worker expands it (``expand_posted``) into the
    moderators' mails, the webhooks and, if the reader ticked the box (``wants_replies``),
    the confirmation request. A comment the spam rules caught tells nobody."""
    if comment.status == Status.SPAM:
        return
    enqueue_event(POSTED, {"comment_id": comment.id, "wants_replies": wants_replies})


@expands(POSTED)
def expand_posted(data: dict[str, Any]) -> None:
    """Tell the moderators (while the comment still waits), the webhooks, and ask the
    reader to confirm their address if they want replies."""
    comment = db.session.get(Comment, data.get("comment_id"))
    if comment is None:  # deleted meanwhile: nothing left to tell
        return
    if comment.status == Status.PENDING:
        _tell_moderators(comment)
    _webhooks(comment, "comment.created")
    if data.get("wants_replies") and comment.status != Status.SPAM:
        _ask_for_confirmation(comment)


def _tell_readers(comment: Comment) -> None:
    """An approved comment: its author (if they asked) and the author of the comment it
    answers (if they asked), each once, and only at a confirmed address."""
    context = None
    if comment.notify_replies and comment.by_moderator_id is None and _may_mail(comment.email):
        context = _comment_context(comment)
        enqueue_mail(
            normalize_email(comment.email),
            template="mail/approved",
            subject=_("Your comment on %(title)s is published", title=context["article_title"]),
            context=context,
            audience=READER,
            locale=comment.locale,
            key=f"approved:{comment.id}",
        )
    parent = comment.parent
    if (
        parent is not None
        and parent.notify_replies
        and parent.status == Status.APPROVED
        and normalize_email(parent.email) != normalize_email(comment.email)
        and _may_mail(parent.email)
    ):
        context = context or _comment_context(comment)
        enqueue_mail(
            normalize_email(parent.email),
            template="mail/reply",
            subject=_(
                "%(name)s replied to your comment on %(title)s",
                name=comment.author_name,
                title=context["article_title"],
            ),
            context=context,
            audience=READER,
            # In the language its reader wrote the comment answered in.
            locale=parent.locale,
            key=f"reply:{comment.id}:{parent.id}",
        )


def _may_mail(email: str) -> bool:
    return may_mail(find_address(email))


def status_changed(comment: Comment, before: Status) -> None:
    """A moderator moved a comment from ``before`` to its status now."""
    if comment.status == Status.APPROVED:
        _tell_readers(comment)
    event_type = WEBHOOK_EVENTS.get(comment.status)
    if event_type:
        _webhooks(comment, event_type)


def reply_published(comment: Comment) -> None:
    """A reply from the site, published at once."""
    _webhooks(comment, "comment.created")
    _tell_readers(comment)


# --- one-click links in moderators' mails ------------------------------------------------


LINK_USED = _("This link was used already: each link works once.")


@dataclass(frozen=True)
class EmailAction:
    """A good link: the moderator, the comment and what the link would do to it."""

    link: ActionLink
    moderator: Moderator
    comment: Comment
    status: Status


def read_email_action(token: str) -> EmailAction:
    """Check a one-click link from a moderator's mail without acting.

    Raises ``notify.links.LinkError`` (forged, expired) or DomainError: the link was
    used, its moderator cannot moderate any more, the comment is gone, or it changed
    since the mail (ConflictError).
    """
    settings = current()
    link = read_action(settings.secret_key, token, settings.link_max_age)
    if link.action not in MODERATOR_ACTIONS:
        raise DomainError(NOT_VALID)
    if db.session.get(SpentToken, link.nonce) is not None:
        raise LinkUsed(LINK_USED)
    moderator = db.session.get(Moderator, link.moderator_id)
    if moderator is None or not moderator.active:
        raise Forbidden(_("This link belongs to a moderator who can no longer moderate."))
    comment = db.session.get(Comment, link.comment_id)
    if comment is None:
        raise NotFound(_("Comment #%(id)s was deleted meanwhile.", id=link.comment_id))
    if comment.version != link.version:
        raise ConflictError(
            _(
                "Comment #%(id)s changed since this mail was sent (it is %(status)s now), "
                "so this link no longer acts on it.",
                id=comment.id,
                status=STATUS_NAMES[comment.status],
            )
        )
    return EmailAction(link, moderator, comment, STATUS_FOR[link.action])


def act_by_email_link(token: str) -> EmailAction:
    """Do what a one-click link says, as its moderator, "by email link" in the log; the
    link is spent, in the caller's transaction."""
    from .moderation import set_status
    from .tokens import GoodToken, TokenError, spend_token

    action = read_email_action(token)
    try:
        spend_token(GoodToken(action.link.nonce, action.link.expires_at))
    except TokenError as exc:  # the same link posted twice at the same moment
        raise LinkUsed(LINK_USED) from exc
    set_status(
        action.comment,
        action.status,
        action.moderator,
        expected_version=action.link.version,
        detail="by email link",
    )
    return action
