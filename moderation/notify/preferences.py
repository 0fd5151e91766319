"""Each moderator's choice: a mail for every new comment, a digest every N minutes, or
none; and the digests themselves, made from the notices held for them."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from ..core.database import db, utcnow
from ..core.exceptions import DomainError
from ..core.i18n import _, _n, english
from .models import Channel, Frequency, NotificationPreference, OutboxMessage, State
from .outbox import MODERATOR, mail_body, message_values, payload

log = logging.getLogger(__name__)

DIGEST_MINUTES_MIN = 5
DIGEST_MINUTES_MAX = 7 * 24 * 60
DEFAULT_DIGEST_MINUTES = 60
# At most this many comments in one digest; the rest go in the next one.
DIGEST_MAX_ITEMS = 100


# Why a notice held for a digest was not sent (kept in English, as every outbox error).
NO_MAIL_WANTED = _("The moderator chose to get no mail.")


@dataclass(frozen=True)
class Choice:
    frequency: Frequency
    digest_minutes: int


def preference_of(moderator_id: int) -> Choice:
    """What a moderator chose (a mail for each comment unless they chose otherwise)."""
    row = db.session.get(NotificationPreference, moderator_id)
    if row is None:
        return Choice(Frequency.EACH, DEFAULT_DIGEST_MINUTES)
    return Choice(row.frequency, row.digest_minutes)


def preferences_of(moderator_ids: list[int]) -> dict[int, Choice]:
    """The choices of several moderators in one query."""
    choices = {i: Choice(Frequency.EACH, DEFAULT_DIGEST_MINUTES) for i in moderator_ids}
    if not moderator_ids:
        return choices
    rows = db.session.scalars(
        select(NotificationPreference).where(NotificationPreference.moderator_id.in_(moderator_ids))
    )
    for row in rows:
        choices[row.moderator_id] = Choice(row.frequency, row.digest_minutes)
    return choices


def set_preference(
    moderator_id: int, frequency: Frequency | str, digest_minutes: int | None = None
) -> Choice:
    """Change a moderator's choice. A digest goes out at most every ``digest_minutes``
    (5 minutes to a week); switching to digests starts the first period now."""
    try:
        frequency = Frequency(frequency)
    except ValueError:
        raise DomainError(_("Choose each, digest or none."), field="frequency") from None
    row = db.session.get(NotificationPreference, moderator_id)
    if row is None:
        row = NotificationPreference(
            moderator_id=moderator_id,
            frequency=Frequency.EACH,
            digest_minutes=DEFAULT_DIGEST_MINUTES,
        )
        db.session.add(row)
    if digest_minutes is not None:
        if not DIGEST_MINUTES_MIN <= digest_minutes <= DIGEST_MINUTES_MAX:
            raise DomainError(
                _(
                    "A digest comes every %(min)s to %(max)s minutes.",
                    min=DIGEST_MINUTES_MIN,
                    max=DIGEST_MINUTES_MAX,
                ),
                field="digest_minutes",
            )
        row.digest_minutes = digest_minutes
    if frequency == Frequency.DIGEST and row.frequency != Frequency.DIGEST:
        row.last_digest_at = utcnow()
    row.frequency = frequency
    db.session.flush()
    log.info("Moderator #%d now gets %s notifications", moderator_id, frequency.value)
    return Choice(row.frequency, row.digest_minutes)


def send_digests(now: datetime | None = None) -> int:
    """Turn the notices held for each moderator into one digest mail, for those whose
    period has passed (or who no longer want digests: what is held goes now, or, for
    those who want no mail, not at all). Returns the number of digests written."""
    now = now or utcnow()
    held = list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.state == State.HELD)
            .order_by(OutboxMessage.created_at, OutboxMessage.id)
            .with_for_update(skip_locked=True)
        )
    )
    by_moderator: dict[int, list[OutboxMessage]] = defaultdict(list)
    for message in held:
        if message.digest_moderator_id is not None:
            by_moderator[message.digest_moderator_id].append(message)
    written = 0
    for moderator_id, messages in by_moderator.items():
        row = db.session.get(NotificationPreference, moderator_id)
        if row is not None and row.frequency == Frequency.NONE:
            for message in messages:
                message.state = State.DROPPED
                message.last_error = english(NO_MAIL_WANTED)
            continue
        if row is not None and row.frequency == Frequency.DIGEST:
            start = row.last_digest_at or messages[0].created_at
            if now < start + timedelta(minutes=row.digest_minutes):
                continue
        batch = messages[:DIGEST_MAX_ITEMS]
        notices = [payload(m) for m in batch]
        items: list[dict[str, Any]] = [notice["context"] for notice in notices]
        count = len(items)
        subject = _n(
            "%(num)d new comment waiting for moderation",
            "%(num)d new comments waiting for moderation",
            num=count,
        )
        # In the moderator's language, as the latest of the notices it gathers says it.
        locale = next((n["locale"] for n in reversed(notices) if n.get("locale")), None)
        digest = OutboxMessage(
            **message_values(
                Channel.MAIL,
                batch[0].recipient,
                "mail/digest",
                mail_body("mail/digest", subject, {"items": items}, MODERATOR, locale),
            )
        )
        db.session.add(digest)
        db.session.flush()
        for message in batch:
            message.state = State.DROPPED
            message.digest_id = digest.id
            message.last_error = ""
        if row is not None:
            row.last_digest_at = now
        written += 1
        log.info("Digest of %d comment(s) for moderator #%d", count, moderator_id)
    db.session.flush()
    return written
