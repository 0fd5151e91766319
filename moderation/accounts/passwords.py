"""Password hashing with Werkzeug, by the method the ``PASSWORD_HASH_METHOD`` setting
names (scrypt unless configured otherwise; the tests use a cheap one)."""

from __future__ import annotations

from flask import current_app, has_app_context
from werkzeug.security import check_password_hash, generate_password_hash

DEFAULT_METHOD = "scrypt"


def hash_method() -> str:
    """The configured method when an app is active, else the production default."""
    if has_app_context():
        return str(current_app.config.get("PASSWORD_HASH_METHOD") or DEFAULT_METHOD)
    return DEFAULT_METHOD


def hash_password(password: str, method: str | None = None) -> str:
    return generate_password_hash(password, method=method or hash_method())


def verify_password(password_hash: str, password: str) -> bool:
    return check_password_hash(password_hash, password)
