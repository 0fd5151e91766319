"""Who a moderator is: loading them for Flask-Login, checking their password."""

from __future__ import annotations

import re
import secrets
from functools import cache
from urllib.parse import urlsplit

from flask import jsonify, redirect, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select

from .errors import wants_json
from .extensions import db, login_manager
from .models import Moderator
from .passwords import hash_password, verify_password
from .text import control_characters


@login_manager.user_loader
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


def find_moderator(email: str) -> Moderator | None:
    if control_characters(email):  # no stored email has them (and PostgreSQL refuses NUL)
        return None
    return db.session.scalar(
        select(Moderator).where(func.lower(Moderator.email) == email.strip().lower())
    )


def authenticate(email: str, password: str) -> Moderator | None:
    """The active moderator with that email and password, or None (no hint which failed)."""
    moderator = find_moderator(email)
    if moderator is None:
        # Hash anyway, so the time taken does not tell which emails exist.
        verify_password(_dummy_hash(), password)
        return None
    if not verify_password(moderator.password_hash, password) or not moderator.active:
        return None
    return moderator


@cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def is_local_url(target: str | None) -> bool:
    """True for a path on this site (``/moderation/?status=spam``), never for another host."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and not any(c in target for c in "\r\n\t\\")


@login_manager.unauthorized_handler
def unauthorized() -> ResponseReturnValue:
    """Pages go to the login form (and come back after); scripts get a 401."""
    if wants_json():
        response = jsonify(error="Please log in first.", status=401)
        response.status_code = 401
        return response
    target = request.full_path if request.query_string else request.path
    return redirect(url_for("dashboard.login", next=target))
