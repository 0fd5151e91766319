"""One person's data, by their email address: all of it shown, or all of it forgotten.

Each kind of personal data is a ``PersonalData``: how to find it and how to erase it.
Another area that stores something about commenters (subscriptions, say) registers its
own with ``register``, and ``privacy export`` and ``privacy erase`` include it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, delete, func, select, update

from ..accounts.models import Moderator
from ..comments.articles import bump_version
from ..comments.audit import record
from ..comments.models import Comment, ModerationEvent, Status
from ..core.database import db, utcnow
from ..core.rows import json_value, row_to_json
from ..core.text import normalize_email
from ..notify.models import EmailAddress, OutboxMessage

log = logging.getLogger(__name__)

ANONYMOUS = "Anonymous"


@dataclass(frozen=True)
class PersonalData:
    name: str
    # Everything of this kind stored about the address, as JSON values.
    find: Callable[[str], list[dict[str, Any]]]
    # Forget it (anonymise, or delete with ``delete=True``); how many rows it touched.
    erase: Callable[[str, bool], int]


def _comment_table() -> Table:
    return cast(Table, Comment.__table__)


def _of(email: str) -> Any:
    return func.lower(Comment.email) == normalize_email(email)


def find_comments(email: str) -> list[dict[str, Any]]:
    table = _comment_table()
    columns = [c.name for c in table.columns]
    rows = db.session.execute(select(table).where(_of(email)).order_by(table.c.id)).mappings()
    return [row_to_json(row, columns) for row in rows]


def find_audit_events(email: str) -> list[dict[str, Any]]:
    """What moderators did to this person's comments (the log holds no address)."""
    table = cast(Table, ModerationEvent.__table__)
    columns = [c.name for c in table.columns]
    mine = select(Comment.id).where(_of(email))
    query = select(table).where(table.c.comment_id.in_(mine)).order_by(table.c.id)
    return [row_to_json(row, columns) for row in db.session.execute(query).mappings()]


def find_moderator(email: str) -> list[dict[str, Any]]:
    """A moderator account under this address, without its password hash."""
    moderator = db.session.scalar(
        select(Moderator).where(Moderator.email == normalize_email(email))
    )
    if moderator is None:
        return []
    return [
        {
            "id": moderator.id,
            "email": moderator.email,
            "active": moderator.active,
            "created_at": json_value(moderator.created_at),
            "last_login_at": json_value(moderator.last_login_at),
        }
    ]


def erase_comments(email: str, delete_them: bool) -> int:
    """Anonymise this person's comments (name "Anonymous"; no email, IP or website; the
    text kept), or delete them; replies to them stay. Readers see the change at once."""
    touched_articles = set(
        db.session.scalars(
            select(Comment.article_id).where(_of(email), Comment.status == Status.APPROVED)
        )
    )
    if delete_them:
        result = db.session.execute(
            delete(Comment).where(_of(email)), execution_options={"synchronize_session": False}
        )
    else:
        result = db.session.execute(
            update(Comment)
            .where(_of(email))
            .values(
                author_name=ANONYMOUS,
                email="",
                remote_addr=None,
                website="",
                notify_replies=False,
                updated_at=utcnow(),
                version=Comment.version + 1,
            ),
            execution_options={"synchronize_session": False},
        )
    for article_id in touched_articles:
        bump_version(article_id)
    db.session.expire_all()
    return int(getattr(result, "rowcount", 0) or 0)


def _keep_moderators(email: str, delete_them: bool) -> int:
    # A moderator account is removed by disabling it (`moderators disable`), not here:
    # the audit log needs its id.
    return 0


def _to_them(email: str) -> Any:
    """Mails waiting or sent to this address, and any message that quotes it (a
    moderator's notice of their comment, a webhook with private fields)."""
    address = normalize_email(email)
    return (func.lower(OutboxMessage.recipient) == address) | func.lower(
        OutboxMessage.payload
    ).contains(address, autoescape=True)


def find_addresses(email: str) -> list[dict[str, Any]]:
    """Their address as the mail side knows it: asked to confirm, confirmed,
    unsubscribed; and the mails sent or waiting to go to it."""
    table = cast(Table, EmailAddress.__table__)
    columns = [c.name for c in table.columns]
    query = select(table).where(table.c.email == normalize_email(email))
    found = [row_to_json(row, columns) for row in db.session.execute(query).mappings()]
    mails = db.session.execute(
        select(
            OutboxMessage.id,
            OutboxMessage.topic,
            OutboxMessage.state,
            OutboxMessage.created_at,
            OutboxMessage.sent_at,
        )
        .where(func.lower(OutboxMessage.recipient) == normalize_email(email))
        .order_by(OutboxMessage.id)
    ).mappings()
    return found + [
        {"mail": row["id"], **row_to_json(row, ["topic", "state", "created_at", "sent_at"])}
        for row in mails
    ]


def erase_addresses(email: str, delete_them: bool) -> int:
    """Forget the address on the mail side, either way: its confirmation and
    subscriptions, and every message to it or quoting it, sent or waiting."""
    removed = db.session.execute(
        delete(EmailAddress).where(EmailAddress.email == normalize_email(email)),
        execution_options={"synchronize_session": False},
    )
    messages = db.session.execute(
        delete(OutboxMessage).where(_to_them(email)),
        execution_options={"synchronize_session": False},
    )
    return int(getattr(removed, "rowcount", 0) or 0) + int(getattr(messages, "rowcount", 0) or 0)


PERSONAL_DATA: list[PersonalData] = [
    PersonalData("email_address", find_addresses, erase_addresses),
    PersonalData("comments", find_comments, erase_comments),
    PersonalData("audit_events", find_audit_events, lambda email, delete_them: 0),
    PersonalData("moderator", find_moderator, _keep_moderators),
]


def register(kind: PersonalData) -> None:
    """Include another kind of personal data in every export and erasure."""
    if any(existing.name == kind.name for existing in PERSONAL_DATA):
        raise ValueError(f"personal data called {kind.name!r} is registered already")
    PERSONAL_DATA.append(kind)


def export_person(email: str) -> dict[str, Any]:
    """Everything stored about ``email``, as one JSON-ready document."""
    document: dict[str, Any] = {
        "email": normalize_email(email),
        "exported_at": json_value(utcnow()),
    }
    for kind in PERSONAL_DATA:
        document[kind.name] = kind.find(email)
    return document


@dataclass(frozen=True)
class Erased:
    counts: dict[str, int]
    deleted: bool

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def erase_person(
    email: str, *, delete_them: bool = False, moderator: Moderator | None = None
) -> Erased:
    """Forget ``email``: anonymise (or delete) every comment, erase every other kind of
    registered personal data, and record it in the audit log, without the address."""
    counts = {kind.name: kind.erase(email, delete_them) for kind in PERSONAL_DATA}
    counts = {name: count for name, count in counts.items() if count}
    done = "deleted" if delete_them else "anonymised"
    summary = ", ".join(f"{count} {name}" for name, count in counts.items()) or "nothing stored"
    record(None, moderator, "erase person", detail=f"{done}: {summary}")
    log.info("Erased a person's data (%s): %s", done, summary)
    return Erased(counts, delete_them)
