"""Every setting, its default and its type, parsed once when the app starts.

A setting comes from the ``MODERATION_<NAME>`` environment variable, the instance
folder's ``config.py``, or the test configuration, in that order of strength (tests
replace the other two). Each value is parsed by its type here and nowhere else: the rest
of the code reads ``app.config["NAME"]`` and gets a ``bool``, an ``int``, a ``list``…
A value that cannot be parsed stops the start with a message naming the variable.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from limits import parse_many

PREFIX = "MODERATION_"
log = logging.getLogger(__name__)


class ConfigError(RuntimeError):
    """A setting has a value that cannot be used; the message names the variable."""


# --- parsers: each takes what the environment, a file or a test gave, or raises ---------

TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off", ""})


def parse_bool(value: Any) -> bool:
    """``true/false/1/0/yes/no/on/off`` in any case, or a real bool."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in TRUE | FALSE:
        return value.strip().lower() in TRUE
    raise ValueError("expected true or false (also 1/0, yes/no, on/off)")


def _number(value: Any, kind: type[int] | type[float], what: str) -> Any:
    if isinstance(value, bool):
        raise ValueError(f"expected {what}")
    try:
        return kind(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"expected {what}") from None


def whole_number(minimum: int, maximum: int | None = None) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        number: int = _number(value, int, "a whole number")
        if number < minimum or (maximum is not None and number > maximum):
            upper = f" and at most {maximum}" if maximum is not None else ""
            raise ValueError(f"expected at least {minimum}{upper}")
        return number

    return parse


def seconds(value: Any) -> float:
    """A number of seconds, zero or more (``3``, ``0.5``)."""
    number: float = _number(value, float, "a number of seconds")
    if not 0 <= number < 10**9:
        raise ValueError("expected a number of seconds, zero or more")
    return number


def word_list(value: Any) -> list[str]:
    """A JSON list, or a string of items separated by commas or spaces."""
    if value is None:
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except ValueError:
                raise ValueError("expected a JSON list or items separated by commas") from None
        else:
            value = text.replace(",", " ").split()
    if not isinstance(value, list | tuple):
        raise ValueError("expected a list")
    return [str(item).strip() for item in value if str(item).strip()]


def origin_list(value: Any) -> list[str]:
    """Origins such as ``https://blog.example`` (no path), or ``*`` for any."""
    origins = [origin.rstrip("/") for origin in word_list(value)]
    for origin in origins:
        if origin != "*" and (
            not origin.startswith(("http://", "https://")) or "/" in origin.split("://", 1)[1]
        ):
            raise ValueError(f"{origin!r} is not an origin like https://blog.example")
    return origins


def _http_url(value: str, what: str) -> tuple[str, str]:
    """``value`` split into its origin and its path, or a ValueError naming ``what``."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise ValueError(f"{value!r} is not {what}") from None
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.username is not None
        or parts.password is not None
        or parts.query
        or parts.fragment
        or any(char.isspace() for char in value)
    ):
        raise ValueError(f"{value!r} is not {what}")
    return f"{parts.scheme}://{parts.netloc.lower()}", parts.path


def public_url(value: Any) -> str | None:
    """The service's own address: an http(s) origin, optionally with a path prefix
    (``https://comments.example`` or ``https://blog.example/comments``), no trailing
    slash."""
    value = optional_text(value)
    if value is None:
        return None
    what = "an address like https://comments.example"
    origin, path = _http_url(value, what)
    return origin + path.rstrip("/")


def url_prefix_list(value: Any) -> list[str]:
    """Address prefixes such as ``https://blog.example/posts/``."""
    prefixes = word_list(value)
    for prefix in prefixes:
        _http_url(prefix, "an address prefix like https://blog.example/posts/")
    return prefixes


def http_url_list(value: Any) -> list[str]:
    """Addresses such as ``https://hooks.example/comments``."""
    addresses = word_list(value)
    for address in addresses:
        _http_url(address, "an address like https://hooks.example/comments")
    return addresses


def optional_email(value: Any) -> str | None:
    """An email address (``Comments <comments@blog.example>`` too), or None."""
    from email.utils import parseaddr

    from .core.text import email_problem

    value = optional_text(value)
    if value is None:
        return None
    _, address = parseaddr(value)
    if not address or email_problem(address) or any(c in value for c in "\r\n"):
        raise ValueError("expected an address like comments@blog.example")
    return value


WEBHOOK_SECRET_PREFIX = "whsec_"


def webhook_secret(value: Any) -> str | None:
    """A Standard Webhooks secret: ``whsec_`` and base64 of 24 to 64 random bytes."""
    import base64
    import binascii

    value = optional_text(value)
    if value is None:
        return None
    if not value.startswith(WEBHOOK_SECRET_PREFIX):
        raise ValueError("expected whsec_ followed by base64 (see the README)")
    try:
        key = base64.b64decode(value.removeprefix(WEBHOOK_SECRET_PREFIX), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("expected whsec_ followed by base64 (see the README)") from None
    if not 24 <= len(key) <= 64:
        raise ValueError("expected a key of 24 to 64 bytes")
    return value


def optional_bool(value: Any) -> bool | None:
    """A boolean, or None (unset) to let another setting decide."""
    return None if value is None else parse_bool(value)


def optional_text(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("expected text")
    return value.strip() or None


def text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("expected text")
    return value.strip()


def choice(*allowed: str) -> Callable[[Any], str]:
    """One word out of ``allowed``, in any case."""

    def parse(value: Any) -> str:
        word = text(value).lower()
        if word not in allowed:
            raise ValueError("expected one of " + ", ".join(allowed))
        return word

    return parse


def rate_limit(value: Any) -> str:
    """A rate limit such as ``5 per minute;30 per hour``."""
    value = text(value)
    try:
        parse_many(value)
    except ValueError:
        raise ValueError("expected a rate limit like '5 per minute;30 per hour'") from None
    return value


def locale(value: Any) -> str:
    """One of the shipped languages, by its tag (``ko``, ``pt-BR``, ``pt_BR``)."""
    from .core.i18n import LOCALES, match_locale

    found = match_locale(text(value))
    if found is None:
        raise ValueError(f"expected one of {', '.join(LOCALES)}")
    return found


@dataclass(frozen=True)
class Setting:
    parse: Callable[[Any], Any]
    default: Any


# The settings a site owner may change; the README's configuration table describes them.
SETTINGS: dict[str, Setting] = {
    # SQLite file in the instance folder unless set.
    "DATABASE_URL": Setting(optional_text, None),
    # Redis for rate limits and the read cache, shared by every worker; unset, the rate
    # limits are in the database and the read cache in each worker's memory.
    "REDIS_URL": Setting(optional_text, None),
    # Signs sessions and form tokens; the instance folder's key file when unset.
    "SECRET_KEY": Setting(optional_text, None),
    # Origins allowed to embed the widget, call the API and frame /embed pages.
    "ALLOWED_ORIGINS": Setting(origin_list, []),
    # The service's own address, the one source of absolute URLs; requests for another
    # host are refused. Unset (development), URLs follow the request's Host.
    "PUBLIC_URL": Setting(public_url, None),
    # Besides the allowed origins, the addresses (by prefix) whose title and address a
    # reader's first comment may give a new article.
    "ARTICLE_URL_PREFIXES": Setting(url_prefix_list, []),
    # A signed form token must be at least this old and at most this old (seconds).
    "MIN_FILL_SECONDS": Setting(seconds, 3.0),
    "FORM_TOKEN_MAX_AGE": Setting(whole_number(1), 2 * 60 * 60),
    # Words that earn a comment a "held because" note for the moderators.
    "BLOCKLIST": Setting(word_list, []),
    # Readers may create an article on its first comment.
    "AUTO_CREATE_ARTICLES": Setting(parse_bool, True),
    # Replies nest at most this deep (1 = no replies to replies).
    "MAX_THREAD_DEPTH": Setting(whole_number(1, 20), 3),
    # Top-level threads per page of comments (the fragment, the embed page, the JSON list).
    "PAGE_SIZE": Setting(whole_number(1, 500), 50),
    # The order threads are shown in; the widget's data-sort overrides it.
    "COMMENT_SORT": Setting(choice("oldest", "newest"), "oldest"),
    # Minutes during which a reader may edit or delete their own comment (0 = never).
    "EDIT_WINDOW_MINUTES": Setting(whole_number(0, 24 * 60), 15),
    # Rate limits per client address: stored comments, every attempt to post (refused
    # ones too), dashboard login attempts.
    "POST_RATE_LIMIT": Setting(rate_limit, "5 per minute;30 per hour"),
    "POST_ATTEMPT_LIMIT": Setting(rate_limit, "30 per minute;300 per hour"),
    "LOGIN_RATE_LIMIT": Setting(rate_limit, "10 per minute"),
    # Failed dashboard logins per account (the email typed), from any address.
    "LOGIN_ACCOUNT_RATE_LIMIT": Setting(rate_limit, "5 per minute"),
    # Secure cookies for HTTPS deployments; unset, on when PUBLIC_URL is https.
    "SECURE_COOKIES": Setting(optional_bool, None),
    # Number of proxies in front of the app whose X-Forwarded-* headers are trusted.
    "TRUSTED_PROXIES": Setting(whole_number(0, 10), 0),
    # Show Gravatar pictures instead of the built-in identicons (sends hashed emails).
    "GRAVATAR": Setting(parse_bool, False),
    # The largest request body accepted, in bytes. The largest legal comment must fit in
    # every encoding the forms and the API accept. Per character the worst is a 4-byte
    # UTF-8 one (an emoji): 12 bytes percent-encoded in a form (%F0%9F%98%80) and 12 as a
    # JSON surrogate pair (\ud83d\ude00); a 3-byte one (Korean) is 9 and 6. Characters:
    # body 10,000 + name 100 + email 254 + website 200 + title 300 + url 500 = 11,354;
    # x 12 = 136,248 bytes. The form token (URL-safe, under 400 bytes), the parent id,
    # field names and separators add under 1 KiB: 137 KiB at most. 160 KiB leaves room
    # for a long page address. (/embed's form post gets a larger hard limit, so a comment
    # just too long is shown again.)
    "MAX_CONTENT_LENGTH": Setting(whole_number(1024), 160 * 1024),
    # How moderators' passwords are hashed (Werkzeug's method string).
    "PASSWORD_HASH_METHOD": Setting(text, "scrypt"),
    # How long to wait for the database (seconds, 0 = no limit): a connection (and
    # SQLite's write lock), then a statement. A database that is down or hung answers 503.
    "DB_CONNECT_TIMEOUT": Setting(seconds, 5.0),
    "DB_STATEMENT_TIMEOUT": Setting(seconds, 10.0),
    # How much of a commenter's IP address is stored: all of it, its network only
    # (IPv4 /24, IPv6 /48), or nothing.
    "STORE_IP": Setting(choice("full", "truncated", "none"), "truncated"),
    # `flask purge` removes stored IP addresses older than this many days, and deletes
    # rejected and spam comments older than the second number.
    "IP_RETENTION_DAYS": Setting(whole_number(0), 30),
    "SPAM_RETENTION_DAYS": Setting(whole_number(0), 90),
    # The read cache of rendered comment lists and fragments, keyed by each article's
    # version: in each worker's memory (this many entries at most), or in Redis when
    # REDIS_URL is set. Off, every read renders again.
    "READ_CACHE": Setting(parse_bool, True),
    "READ_CACHE_ENTRIES": Setting(whole_number(1), 200),
    # Cache-Control of the public reads (seconds): how long a browser, CDN or proxy may
    # reuse an answer, then serve it stale while it revalidates. 0 and 0: revalidate always.
    "PUBLIC_MAX_AGE": Setting(whole_number(0), 10),
    "PUBLIC_STALE_WHILE_REVALIDATE": Setting(whole_number(0), 60),
    # The mail server. Unset, mails are printed to the console instead (development).
    "SMTP_HOST": Setting(optional_text, None),
    "SMTP_PORT": Setting(whole_number(1, 65535), 587),
    "SMTP_USERNAME": Setting(optional_text, None),
    "SMTP_PASSWORD": Setting(optional_text, None),
    # STARTTLS after connecting; unset, on whenever a user name is set (a password never
    # travels in the clear). SMTP_SSL: TLS from the first byte (port 465) instead.
    "SMTP_STARTTLS": Setting(optional_bool, None),
    "SMTP_SSL": Setting(parse_bool, False),
    # The sender of every mail; unset, comments@ the host of PUBLIC_URL.
    "SMTP_FROM": Setting(optional_email, None),
    "SMTP_TIMEOUT": Setting(seconds, 10.0),
    # Webhooks: each address gets a signed JSON POST per comment event.
    "WEBHOOK_URLS": Setting(http_url_list, []),
    "WEBHOOK_SECRET": Setting(webhook_secret, None),
    # Put the commenter's email and IP address in the webhooks' bodies.
    "WEBHOOK_INCLUDE_PRIVATE": Setting(parse_bool, False),
    "WEBHOOK_TIMEOUT": Setting(seconds, 10.0),
    # Links in mails (approve, reject, spam; confirm an address) work this long (seconds).
    "EMAIL_LINK_MAX_AGE": Setting(whole_number(60), 7 * 24 * 60 * 60),
    # A message is tried this many times, the first retry after OUTBOX_RETRY_SECONDS,
    # each later one after twice as long (spread by a quarter), then left failed.
    "OUTBOX_MAX_ATTEMPTS": Setting(whole_number(1, 100), 8),
    "OUTBOX_RETRY_SECONDS": Setting(seconds, 30.0),
    # How often a worker looks for messages to send (seconds).
    "OUTBOX_POLL_SECONDS": Setting(seconds, 2.0),
    # Sent (and dropped) messages are deleted after this many days: they hold readers'
    # addresses and comments. Failed ones stay until sent again or deleted by hand.
    "OUTBOX_KEEP_DAYS": Setting(whole_number(1, 3650), 30),
    # The web server sends the outbox in a background thread; unset, on with SQLite
    # (one box), off with PostgreSQL (run `flask outbox run` beside the web server).
    "OUTBOX_THREAD": Setting(optional_bool, None),
    # The language of readers whose widget, page and browser name none that is shipped.
    "DEFAULT_LOCALE": Setting(locale, "en"),
}


def environment_values(environ: Mapping[str, str]) -> dict[str, str]:
    """The ``MODERATION_*`` variables that name a known setting, without the prefix."""
    values = {}
    for key, value in environ.items():
        if not key.startswith(PREFIX):
            continue
        name = key.removeprefix(PREFIX)
        if name in SETTINGS:
            values[name] = value
        elif not name.startswith("TEST_"):
            log.warning("Ignoring %s: there is no such setting.", key)
    return values


def parse_settings(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Every known setting, parsed by its type; the defaults fill what ``raw`` lacks."""
    parsed = {}
    for name, setting in SETTINGS.items():
        value = raw.get(name, setting.default)
        if value is setting.default:
            parsed[name] = value
            continue
        try:
            parsed[name] = setting.parse(value)
        except ValueError as exc:
            raise ConfigError(f"{PREFIX}{name}={value!r} cannot be used: {exc}.") from None
    if parsed["WEBHOOK_URLS"] and not parsed["WEBHOOK_SECRET"]:
        raise ConfigError(
            f"{PREFIX}WEBHOOK_URLS is set but {PREFIX}WEBHOOK_SECRET is not: webhooks are "
            "always signed. Make a secret with `flask --app wsgi outbox webhook-secret`."
        )
    return parsed


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
