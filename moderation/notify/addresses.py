"""Readers' addresses: double opt-in, confirmation, unsubscribing.

Nobody has proved that a typed address is theirs, so the first time a reader asks for
mail the service sends one confirmation request (at most one per address a day) and
nothing else until its link is followed. ``is_confirmed`` is what other rules (the
spam checks' "trusted returning author") may rely on: a typed address never is.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select

from ..core.database import db, insert_unless_present, utcnow
from ..core.text import control_characters, normalize_email
from .models import EmailAddress

log = logging.getLogger(__name__)

# A reader can trigger at most one confirmation mail per address in this time.
CONFIRMATION_INTERVAL = timedelta(days=1)


def find_address(email: str) -> EmailAddress | None:
    """The stored address ``email`` (any case), or None."""
    if control_characters(email):
        return None
    return db.session.scalar(
        select(EmailAddress).where(EmailAddress.email == normalize_email(email))
    )


def is_confirmed(email: str) -> bool:
    """True when the owner of ``email`` proved it is theirs by following a confirmation
    link (whether or not they unsubscribed since)."""
    address = find_address(email)
    return address is not None and address.confirmed_at is not None


def may_mail(address: EmailAddress | None) -> bool:
    """A reader's mail may go to this address: confirmed and not unsubscribed."""
    return (
        address is not None and address.confirmed_at is not None and address.unsubscribed_at is None
    )


def address_for(email: str) -> EmailAddress:
    """The stored row for ``email``, added (unconfirmed) when there is none yet; a
    concurrent request adding the same address is no error."""
    email = normalize_email(email)
    insert_unless_present(EmailAddress, {"email": email, "created_at": utcnow()})
    address = db.session.scalar(select(EmailAddress).where(EmailAddress.email == email))
    assert address is not None
    return address


def needs_confirmation(address: EmailAddress, now: datetime | None = None) -> bool:
    """A confirmation request should go to this address now: it is not confirmed (or it
    unsubscribed and asks again), and none went out in the last day."""
    if address.confirmed_at is not None and address.unsubscribed_at is None:
        return False
    now = now or utcnow()
    sent = address.confirmation_sent_at
    return sent is None or now - sent >= CONFIRMATION_INTERVAL


def confirm(address: EmailAddress) -> bool:
    """The owner followed the confirmation link: mail may go to the address (again).
    Returns False when it was confirmed and subscribed already."""
    if address.confirmed_at is not None and address.unsubscribed_at is None:
        return False
    if address.confirmed_at is None:
        address.confirmed_at = utcnow()
    address.unsubscribed_at = None
    db.session.flush()
    log.info("Address #%d confirmed", address.id)
    return True


def unsubscribe(address: EmailAddress) -> bool:
    """No more mail to this address, from now on (mails already queued are dropped
    when their turn comes). Returns False when it had unsubscribed already."""
    if address.unsubscribed_at is not None:
        return False
    address.unsubscribed_at = utcnow()
    db.session.flush()
    log.info("Address #%d unsubscribed", address.id)
    return True
