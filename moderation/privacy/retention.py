"""How long personal data is kept: IP addresses, rejected comments and spam."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, update

from ..comments.audit import record
from ..comments.models import Comment, Status
from ..core.database import db, utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Purged:
    addresses: int
    comments: int


def purge(*, ip_retention_days: int, spam_retention_days: int) -> Purged:
    """Remove the IP addresses of comments older than ``ip_retention_days`` and delete
    rejected and spam comments older than ``spam_retention_days`` (by when they were
    written); record it in the audit log when anything went."""
    now = utcnow()
    addresses = db.session.execute(
        update(Comment)
        .where(
            Comment.remote_addr.is_not(None),
            Comment.created_at < now - timedelta(days=ip_retention_days),
        )
        .values(remote_addr=None),
        execution_options={"synchronize_session": False},
    )
    comments = db.session.execute(
        delete(Comment).where(
            Comment.status.in_([Status.REJECTED, Status.SPAM]),
            Comment.created_at < now - timedelta(days=spam_retention_days),
        ),
        execution_options={"synchronize_session": False},
    )
    db.session.expire_all()
    purged = Purged(int(addresses.rowcount or 0), int(comments.rowcount or 0))  # type: ignore[attr-defined]
    if purged.addresses or purged.comments:
        record(
            None,
            None,
            "purge",
            detail=(
                f"{purged.addresses} IP address(es) older than {ip_retention_days} days, "
                f"{purged.comments} rejected or spam comment(s) older than "
                f"{spam_retention_days} days"
            ),
        )
    log.info(
        "Purged %d IP addresses and %d rejected or spam comments", purged.addresses, purged.comments
    )
    return purged
