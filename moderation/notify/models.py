"""The tables: the outbox (every mail and webhook to send), the readers' addresses and
whether they proved them, and each moderator's choice of notifications."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..core.database import Model, UTCDateTime, string_enum, utcnow
from ..core.text import EMAIL_MAX


class Channel(enum.StrEnum):
    MAIL = "mail"
    WEBHOOK = "webhook"
    # Something happened (a comment was posted): the worker turns it into the mails and
    # webhooks it causes, in one transaction, so the request that wrote it stays cheap.
    EVENT = "event"


class State(enum.StrEnum):
    # Due at ``next_attempt_at``; a worker will claim it.
    WAITING = "waiting"
    # Claimed by a worker until ``claimed_until``; past that, claimable again (a worker
    # that died mid-send leaves it to be retried).
    SENDING = "sending"
    SENT = "sent"
    # Gave up: the retry limit was reached, or the receiver refused it for good.
    FAILED = "failed"
    # A moderator's notice kept for their next digest (``digest_id`` once it went out).
    HELD = "held"
    # Not sent and never will be: the moderator chose no mail, or it was folded into a
    # digest.
    DROPPED = "dropped"


RECIPIENT_MAX = 2000


class OutboxMessage(Model):
    """One mail or one webhook call, written in the transaction that causes it."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        # The worker's claim: what is due, oldest first.
        Index("ix_outbox_message_state_next_attempt", "state", "next_attempt_at"),
        # A moderator's held notices, for their digest.
        Index("ix_outbox_message_held", "digest_moderator_id", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Stable across retries: the mail's Message-ID, the webhook's ``webhook-id``, so a
    # receiver can drop a repeat.
    uid: Mapped[str] = mapped_column(String(40), unique=True)
    channel: Mapped[Channel] = mapped_column(string_enum(Channel, "outbox_channel"))
    # An email address, the webhook's URL, or "" for an event.
    recipient: Mapped[str] = mapped_column(String(RECIPIENT_MAX))
    # What the message is (``mail/new_comment``, ``comment.approved``…), for people.
    topic: Mapped[str] = mapped_column(String(100))
    # JSON: the mail's subject, template and context; the webhook's body.
    payload: Mapped[str] = mapped_column(Text)
    # At most one message per key (one confirmation per address and day, one "reply"
    # mail per reply and reader): a second enqueue with the same key is a no-op.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    state: Mapped[State] = mapped_column(string_enum(State, "outbox_state"), default=State.WAITING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Which claim is current: a worker whose claim ran out cannot record a result over
    # the next worker's.
    claim: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Held for this moderator's digest; ``digest_id`` is the digest that carried it.
    digest_moderator_id: Mapped[int | None] = mapped_column(
        ForeignKey("moderator.id", ondelete="CASCADE")
    )
    digest_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_message.id", ondelete="SET NULL")
    )

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.channel.value} {self.state.value}>"


class EmailAddress(Model):
    """A reader's address, and whether its owner proved it is theirs (double opt-in).

    Only a confirmed address gets mail beyond the one confirmation request; one that
    unsubscribed gets none at all, and stays confirmed (its owner did prove it).
    """

    __tablename__ = "email_address"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Lower-cased (``core.text.normalize_email``): one row per address whatever the case.
    email: Mapped[str] = mapped_column(String(EMAIL_MAX), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmation_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<EmailAddress {self.id}>"


class Frequency(enum.StrEnum):
    EACH = "each"
    DIGEST = "digest"
    NONE = "none"


class NotificationPreference(Model):
    """How a moderator wants to hear of new comments (no row: a mail for each)."""

    __tablename__ = "notification_preference"

    moderator_id: Mapped[int] = mapped_column(
        ForeignKey("moderator.id", ondelete="CASCADE"), primary_key=True
    )
    frequency: Mapped[Frequency] = mapped_column(
        string_enum(Frequency, "notification_frequency"), default=Frequency.EACH
    )
    # One digest at most every this many minutes.
    digest_minutes: Mapped[int] = mapped_column(Integer, default=60)
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
