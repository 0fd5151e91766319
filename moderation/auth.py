"""Who a moderator is: loading them for Flask-Login, checking their password."""

from __future__ import annotations

from sqlalchemy import func, select

from .extensions import db, login_manager
from .models import Moderator
from .passwords import verify_password


@login_manager.user_loader
def load_moderator(user_id: str) -> Moderator | None:
    if not user_id.isdigit():
        return None
    moderator = db.session.get(Moderator, int(user_id))
    return moderator if moderator is not None and moderator.active else None


def find_moderator(email: str) -> Moderator | None:
    return db.session.scalar(
        select(Moderator).where(func.lower(Moderator.email) == email.strip().lower())
    )


def authenticate(email: str, password: str) -> Moderator | None:
    """The active moderator with that email and password, or None (no hint which failed)."""
    moderator = find_moderator(email)
    if moderator is None or not moderator.active:
        return None
    if not verify_password(moderator.password_hash, password):
        return None
    return moderator
