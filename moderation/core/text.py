"""What counts as clean text and as a safe address, for every field that takes either.

Readers, moderators and blogs all send text; the same rules keep NUL bytes out of
PostgreSQL, invisible names out of the queue and ``javascript:`` out of every link.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email

from .i18n import Text, _

EMAIL_MAX = 254

# Characters that reorder the text around them ("Trojan source"): never in a name.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")
LINE_SEPARATORS = frozenset("\u2028\u2029")


def control_characters(text: str, allow: str = "") -> list[str]:
    """The NUL, control and lone-surrogate characters in ``text`` (minus ``allow``)."""
    return [
        char
        for char in text
        if char not in allow
        and (unicodedata.category(char) in ("Cc", "Cs") or char in LINE_SEPARATORS)
    ]


def normalize_email(email: str) -> str:
    """The one spelling of an address that we store and compare: trimmed, lower-cased."""
    return email.strip().lower()


def email_problem(email: str) -> Text | None:
    """Why ``email`` is not an address mail could be sent to, or None (no DNS look-up)."""
    if not email or len(email) > EMAIL_MAX:
        return _("Enter a valid email address, like you@example.com.")
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return _("Enter a valid email address, like you@example.com.")
    return None


def is_blank(text: str) -> bool:
    """True when nothing visible is left: only spaces and invisible format characters."""
    return all(char.isspace() or unicodedata.category(char) == "Cf" for char in text)


def has_bidi_controls(text: str) -> bool:
    return any(char in BIDI_CONTROLS for char in text)


def clean_line(text: str, max_length: int) -> str:
    """One line of plain text: control and bidi characters dropped, spaces folded."""
    kept = "".join(
        char
        for char in text
        if char.isspace() or not (control_characters(char) or char in BIDI_CONTROLS)
    )
    return " ".join(kept.split())[:max_length]


def web_url_problem(url: str) -> Text | None:
    """Why ``url`` is not a public http(s) address, or None when it is one."""
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return _("Enter a full web address, like https://example.com.")
    if parts.scheme not in ("http", "https"):
        return _("The address must start with http:// or https://.")
    if not hostname or "." not in hostname.strip("."):
        return _("Enter a full web address, like https://example.com.")
    if parts.username is not None or parts.password is not None:
        return _("Leave the user name and password out of the address.")
    if control_characters(url) or any(char.isspace() for char in url):
        return _("Remove the spaces and invisible characters from the address.")
    return None


def web_url_or_empty(url: str, max_length: int) -> str:
    """``url`` when it is a public http(s) address that fits, else ''."""
    url = url.strip()
    if not url or len(url) > max_length or web_url_problem(url) is not None:
        return ""
    return url


def is_local_path(url: str) -> bool:
    """A path on the same site: ``/a/b``, but not ``//host`` or ``/\\host`` (other sites)."""
    return url.startswith("/") and not url.startswith(("//", "/\\"))


def is_local_url(target: str | None) -> bool:
    """True for a path on this site (``/moderation/?status=spam``), never for another host."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and not any(c in target for c in "\r\n\t\\")


# Every list of comments asks again for the same commenters' websites.
@lru_cache(maxsize=4096)
def safe_link(url: str | None) -> str:
    """``url`` if a browser may follow it (http(s) or a local path), else ''."""
    if not url or control_characters(url):
        return ""
    if is_local_path(url):
        return url
    return url if web_url_problem(url) is None else ""
