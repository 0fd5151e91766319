"""Defaults, overridden by ``MODERATION_*`` environment variables.

``app.config.from_prefixed_env("MODERATION")`` turns ``MODERATION_DATABASE_URL`` into
``DATABASE_URL`` and parses JSON values, so ``MODERATION_MIN_FILL_SECONDS=0`` is an int
and ``MODERATION_ALLOWED_ORIGINS='["https://blog.example"]'`` a list.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

DEFAULTS: dict[str, Any] = {
    # SQLite file in the instance folder unless MODERATION_DATABASE_URL is set.
    "DATABASE_URL": None,
    # Redis for rate limits shared by every worker; memory when unset.
    "REDIS_URL": None,
    # Origins allowed to embed the widget, call the API and frame /embed pages.
    # A list, or a comma/space separated string. Empty: same origin only.
    "ALLOWED_ORIGINS": [],
    # A signed form token must be at least this old and at most this old (seconds).
    "MIN_FILL_SECONDS": 3,
    "FORM_TOKEN_MAX_AGE": 2 * 60 * 60,
    # Words that earn a comment a "held because" note for the moderators: a list, or a
    # comma/space separated string.
    "BLOCKLIST": [],
    # Readers may create an article on its first comment.
    "AUTO_CREATE_ARTICLES": True,
    # Replies nest at most this deep (1 = no replies to replies).
    "MAX_THREAD_DEPTH": 3,
    # Rate limit for public comment posts, per client address.
    "POST_RATE_LIMIT": "5 per minute;30 per hour",
    "LOGIN_RATE_LIMIT": "10 per minute",
    # Secure cookies for HTTPS deployments.
    "SECURE_COOKIES": False,
    # Number of proxies in front of the app whose X-Forwarded-* headers are trusted.
    "TRUSTED_PROXIES": 0,
    # Show Gravatar pictures instead of the built-in identicons (sends hashed emails).
    "GRAVATAR": False,
    "MAX_CONTENT_LENGTH": 64 * 1024,
    # Werkzeug's method for moderators' password hashes ("scrypt", or e.g.
    # "pbkdf2:sha256:600000"). Existing hashes keep working whatever it is.
    "PASSWORD_HASH_METHOD": "scrypt",
}


def normalize_list(value: Any) -> list[str]:
    """Accept a JSON list or a comma/space separated string."""
    if not value:
        return []
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    return [str(item).strip() for item in value if str(item).strip()]


def normalize_origins(value: Any) -> list[str]:
    """Accept a JSON list or a comma/space separated string of origins."""
    return [origin.rstrip("/") for origin in normalize_list(value)]


def sqlite_url(instance_path: str) -> str:
    return "sqlite:///" + os.path.join(instance_path, "moderation.sqlite3")


def load_secret_key(instance_path: str) -> str:
    """Read the instance folder's secret key, creating it on first use."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key
