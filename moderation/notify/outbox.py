"""The outbox: every mail and webhook call is a row, written in the caller's transaction.

If that transaction rolls back, nothing is sent; once it commits, a worker
(``worker.py``) will send it, even if this process dies the next moment. The worker
claims due rows for a while (a lease), sends them outside any transaction, then records
the result: sent, or a failure retried later with exponential back-off and jitter, until
the retry limit leaves it failed. A worker killed mid-send leaves its claim to run out,
and another sends the message again (at least once; the stable ``uid`` lets the
receiver drop a repeat).

Plain functions, like the rest of the domain: they never commit.
"""

from __future__ import annotations

import json
import logging
import random
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update

from ..core.database import db, insert_unless_present, utcnow
from ..core.i18n import Text, english, from_json, to_json
from .models import Channel, OutboxMessage, State

log = logging.getLogger(__name__)

# Who a mail is for decides when it may go (see ``worker``): a moderator's always; a
# reader's only while the address is confirmed and subscribed; a confirmation request
# unless the address unsubscribed.
MODERATOR = "moderator"
READER = "reader"
CONFIRMATION = "confirmation"
AUDIENCES = (MODERATOR, READER, CONFIRMATION)
# Set on the session by every enqueue; the worker's commit hook reads it.
WRITTEN = "moderation.outbox_written"


def new_uid() -> str:
    return secrets.token_hex(16)


def enqueue_mail(
    to: str,
    *,
    template: str,
    subject: str | Text,
    context: Mapping[str, Any] | None = None,
    audience: str = MODERATOR,
    key: str | None = None,
    hold_for_moderator: int | None = None,
    locale: str | None = None,
) -> bool:
    """Write a mail to ``to`` into the outbox, in the caller's transaction.

    ``template`` names a pair under ``templates/``: ``mail/invitation`` is rendered from
    ``mail/invitation.txt`` (the plain-text part) and ``mail/invitation.html`` (the HTML
    part), with ``context`` (plain JSON values) and ``subject``. ``audience`` says who
    it is for (``MODERATOR``, ``READER``, ``CONFIRMATION``): a reader's mail goes only
    to a confirmed address that did not unsubscribe, checked again when it is sent.
    ``key``, when given, makes the mail unique: a second one with the same key is not
    written. ``hold_for_moderator`` keeps it for that moderator's next digest.

    The mail is rendered when it is sent, in ``locale`` (the recipient's language; None:
    ``MODERATION_DEFAULT_LOCALE``), its ``subject`` too when it is a :class:`Text`.

    Returns True when a row was written.
    """
    if audience not in AUDIENCES:
        raise ValueError(f"unknown audience {audience!r}")
    body = mail_body(template, subject, context or {}, audience, locale)
    return _enqueue(
        Channel.MAIL,
        to,
        template,
        body,
        key=key,
        state=State.HELD if hold_for_moderator is not None else State.WAITING,
        digest_moderator_id=hold_for_moderator,
    )


def mail_body(
    template: str,
    subject: str | Text,
    context: Mapping[str, Any],
    audience: str,
    locale: str | None,
) -> dict[str, Any]:
    """A mail's payload: its ``subject`` in English (for the logs and older readers of
    the row) and as the text to translate, its template, context, audience and
    language."""
    return {
        "template": template,
        "subject": english(subject),
        "subject_text": to_json(subject),
        "context": dict(context),
        "audience": audience,
        "locale": locale,
    }


def subject_of(data: Mapping[str, Any]) -> str | Text:
    """A mail payload's subject, to show in the language being spoken (a row written
    before subjects were kept as texts: its English subject)."""
    kept = data.get("subject_text")
    if isinstance(kept, dict):
        return from_json(kept)
    return str(data.get("subject", ""))


def enqueue_webhook(url: str, event_type: str, data: Mapping[str, Any]) -> bool:
    """Write one webhook call (``event_type`` such as ``comment.approved``, with its
    ``data``) to ``url`` into the outbox, in the caller's transaction.

    The body follows the Standard Webhooks shape: ``{"type", "timestamp", "data"}``.
    """
    body = {"type": event_type, "timestamp": _iso(utcnow()), "data": dict(data)}
    return _enqueue(Channel.WEBHOOK, url, event_type, body)


# What turns an event into messages, by topic; the areas that write events register theirs
# (``comments.notifications``), so the worker runs them without depending on those areas.
Expander = Callable[[dict[str, Any]], None]
EXPANDERS: dict[str, Expander] = {}


def expands(topic: str) -> Callable[[Expander], Expander]:
    """Register the function that turns ``topic`` events into mails and webhooks (it
    enqueues them; the worker commits them with the event's own "done")."""

    def register(function: Expander) -> Expander:
        EXPANDERS[topic] = function
        return function

    return register


def enqueue_event(topic: str, data: Mapping[str, Any]) -> bool:
    """Write an event (``topic``, with ``data``) into the outbox, in the caller's
    transaction: one cheap row; the worker expands it into the messages it causes."""
    if topic not in EXPANDERS:
        raise ValueError(f"no expander for {topic!r}")
    return _enqueue(Channel.EVENT, "", topic, dict(data))


def _enqueue(
    channel: Channel,
    recipient: str,
    topic: str,
    body: Mapping[str, Any],
    *,
    key: str | None = None,
    state: State = State.WAITING,
    digest_moderator_id: int | None = None,
) -> bool:
    values = message_values(
        channel,
        recipient,
        topic,
        body,
        key=key,
        state=state,
        digest_moderator_id=digest_moderator_id,
    )
    # After the commit, this process's sending thread wakes up (see ``worker``).
    db.session.info[WRITTEN] = True
    if key is None:
        db.session.add(OutboxMessage(**values))
        return True
    written = insert_unless_present(OutboxMessage, values)
    if not written:
        log.info("Not queueing %s again: it is queued or sent already", topic)
    return written


def message_values(
    channel: Channel,
    recipient: str,
    topic: str,
    body: Mapping[str, Any],
    *,
    key: str | None = None,
    state: State = State.WAITING,
    digest_moderator_id: int | None = None,
) -> dict[str, Any]:
    """The columns of a new outbox row."""
    now = utcnow()
    return {
        "uid": new_uid(),
        "channel": channel,
        "recipient": recipient,
        "topic": topic[:100],
        "payload": json.dumps(body, separators=(",", ":"), ensure_ascii=False),
        "dedupe_key": key[:200] if key else None,
        "state": state,
        "attempts": 0,
        "next_attempt_at": now,
        "last_error": "",
        "created_at": now,
        "digest_moderator_id": digest_moderator_id,
    }


def _iso(value: datetime) -> str:
    return value.isoformat(timespec="seconds").replace("+00:00", "Z")


def payload(message: OutboxMessage) -> dict[str, Any]:
    """The message's JSON payload."""
    data = json.loads(message.payload)
    assert isinstance(data, dict)
    return data


def describe(message: OutboxMessage) -> str:
    """What the message is, in a few words: a mail's subject, a webhook's event."""
    data = payload(message)
    if message.channel == Channel.MAIL:
        return str(subject_of(data) or message.topic)
    if message.channel == Channel.EVENT:
        return message.topic + "".join(f" #{v}" for k, v in data.items() if k.endswith("_id"))
    return str(data.get("type", message.topic))


# --- the worker's side ----------------------------------------------------------------


@dataclass(frozen=True)
class Retry:
    """How failures are retried: ``base`` seconds, doubled each time, up to ``ceiling``,
    each delay spread by ± ``jitter`` (a fraction); ``limit`` attempts in all."""

    limit: int = 8
    base: float = 30.0
    ceiling: float = 6 * 60 * 60.0
    jitter: float = 0.25

    def delay(self, attempts: int) -> float:
        """Seconds to wait after the ``attempts``-th failed attempt."""
        plain = min(self.ceiling, self.base * 2 ** max(0, attempts - 1))
        return plain * random.uniform(1 - self.jitter, 1 + self.jitter)


def _claimable(now: datetime) -> Any:
    return or_(
        and_(OutboxMessage.state == State.WAITING, OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.state == State.SENDING, OutboxMessage.claimed_until < now),
    )


def claim(limit: int, lease: float) -> list[tuple[int, str]]:
    """Claim up to ``limit`` due messages for ``lease`` seconds: ``(id, claim)`` pairs.

    The caller commits at once, then sends. On PostgreSQL the candidates are locked
    with ``FOR UPDATE SKIP LOCKED``, so concurrent workers take different rows; on
    every backend the update only takes rows still claimable, so no two workers hold
    the same message at once.
    """
    now = utcnow()
    candidates = (
        select(OutboxMessage.id)
        .where(_claimable(now))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    ids = list(db.session.scalars(candidates))
    if not ids:
        return []
    token = secrets.token_hex(16)
    claimed = db.session.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), _claimable(now))
        .values(
            state=State.SENDING,
            claim=token,
            claimed_until=now + timedelta(seconds=lease),
            attempts=OutboxMessage.attempts + 1,
        )
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    return [(message_id, token) for message_id in sorted(claimed)]


def _finish(message_ids: Sequence[int], token: str, **values: Any) -> bool:
    """Record the result of every one of ``message_ids``, in one statement. False (and
    nothing to keep: the caller rolls back) when any claim was no longer this worker's."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(message_ids),
            OutboxMessage.claim == token,
            OutboxMessage.state == State.SENDING,
        )
        .values(claim=None, claimed_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    return getattr(result, "rowcount", -1) == len(message_ids)


def record_sent(message_id: int, token: str) -> bool:
    """The message went out. False when the claim was no longer this worker's."""
    return record_all_sent([message_id], token)


def record_all_sent(message_ids: Sequence[int], token: str) -> bool:
    """Every one of these messages was handled (see ``_finish``)."""
    return _finish(message_ids, token, state=State.SENT, sent_at=utcnow(), last_error="")


def record_dropped(message_id: int, token: str, reason: str) -> bool:
    """The message must not go (a reader unsubscribed meanwhile): never sent."""
    return _finish([message_id], token, state=State.DROPPED, last_error=reason[:2000])


def record_failure(
    message_id: int, token: str, error: str, retry: Retry, *, permanent: bool = False
) -> State | None:
    """A failed attempt: waiting again after a back-off, or failed for good past the
    limit (or at once when ``permanent``). Returns the new state, None when the claim
    was no longer this worker's."""
    message = db.session.get(OutboxMessage, message_id, populate_existing=True)
    if message is None or message.claim != token:
        return None
    if permanent or message.attempts >= retry.limit:
        state = State.FAILED
        values: dict[str, Any] = {"state": state}
    else:
        state = State.WAITING
        delay = timedelta(seconds=retry.delay(message.attempts))
        values = {"state": state, "next_attempt_at": utcnow() + delay}
    return state if _finish([message_id], token, last_error=error[:2000], **values) else None


def send_again(message_id: int) -> OutboxMessage | None:
    """Put a failed (or dropped) message back in line, due now, with a fresh count of
    attempts. None when there is no such message or it is not failed."""
    message = db.session.get(OutboxMessage, message_id, populate_existing=True)
    if message is None or message.state not in (State.FAILED, State.DROPPED):
        return None
    message.state = State.WAITING
    message.attempts = 0
    message.next_attempt_at = utcnow()
    db.session.flush()
    return message


def purge(keep_days: int) -> int:
    """Delete the messages sent (or dropped) more than ``keep_days`` ago, events
    included; failed and waiting ones stay. Returns how many went."""
    cutoff = utcnow() - timedelta(days=keep_days)
    result = db.session.execute(
        delete(OutboxMessage)
        .where(
            OutboxMessage.state.in_([State.SENT, State.DROPPED]),
            func.coalesce(OutboxMessage.sent_at, OutboxMessage.created_at) < cutoff,
        )
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def state_counts() -> dict[State, int]:
    """How many messages are in each state."""
    counts = dict.fromkeys(State, 0)
    rows = db.session.execute(
        select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
    )
    for state, count in rows:
        counts[State(state)] = int(count)
    return counts


def messages(states: Sequence[State], *, limit: int = 50, offset: int = 0) -> list[OutboxMessage]:
    """Messages in ``states``, newest first."""
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.state.in_(list(states)))
            .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )
