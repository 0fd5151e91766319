"""Flask-Login's side of a moderator: which moderator a session belongs to."""

from __future__ import annotations

import re

from ..core.database import db
from .models import Moderator


def load_moderator(user_id: str) -> Moderator | None:
    """The moderator of a session, unless that session was ended.

    The session holds ``id:session_version``; ``moderators.end_sessions`` bumps the
    version, so every cookie issued before it stops working.
    """
    match = re.fullmatch(r"([0-9]{1,10}):([0-9]{1,10})", user_id)
    if match is None:
        return None
    moderator = db.session.get(Moderator, int(match[1]))
    if moderator is None or not moderator.active:
        return None
    return moderator if moderator.session_version == int(match[2]) else None
