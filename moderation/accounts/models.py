"""The people who moderate."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, validates

from ..core.database import Model, UTCDateTime, string_enum, utcnow
from ..core.text import EMAIL_MAX, normalize_email


class Role(enum.StrEnum):
    """Owners keep the settings, the rules and the moderators; moderators the queue."""

    OWNER = "owner"
    MODERATOR = "moderator"


DISPLAY_NAME_MAX = 100


class Moderator(UserMixin, Model):
    __tablename__ = "moderator"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(EMAIL_MAX), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Part of the session's user id: bumping it ends every session of this moderator
    # (logout, password change, disabling), since the session cookie lives client-side.
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    role: Mapped[Role] = mapped_column(
        string_enum(Role, "moderator_role"),
        default=Role.MODERATOR,
        server_default=Role.MODERATOR.value,
    )
    # How site replies are signed ("" signs them with the site's name).
    display_name: Mapped[str] = mapped_column(
        String(DISPLAY_NAME_MAX), default="", server_default=""
    )
    # The dashboard's language as this moderator chose it; None follows the browser.
    locale: Mapped[str | None] = mapped_column(String(16))

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER

    @validates("email")
    def _normalize_email(self, key: str, email: str) -> str:
        # Stored lower-cased, so the unique index is unique whatever the case.
        return normalize_email(email)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def __repr__(self) -> str:
        return f"<Moderator {self.email!r}>"
