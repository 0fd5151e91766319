"""Avatars that do not give the email away.

By default every commenter gets an identicon: a 5×5 mirrored pattern and a colour drawn
from an HMAC of their email keyed with the server's secret. The same email gives the
same picture on every article, yet without the secret nobody can tell which email it
came from (a plain hash of an email can be looked up in a list of emails; a keyed one
cannot). Gravatar pictures are used only when the site owner turns ``GRAVATAR`` on.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from markupsafe import Markup, escape

from ..core.text import normalize_email

GRID = 5
SIZE = 40
GRAVATAR_URL = "https://gravatar.com/avatar/"
GRAVATAR_ORIGIN = "https://gravatar.com"


def identity_digest(email: str, secret_key: str) -> bytes:
    """HMAC-SHA256 of the normalized email, keyed with the server secret."""
    key = hashlib.sha256(b"moderation.identicon\x00" + secret_key.encode()).digest()
    return hmac.new(key, normalize_email(email).encode(), hashlib.sha256).digest()


@lru_cache(maxsize=4096)
def identicon_svg(email: str, secret_key: str, size: int = SIZE) -> Markup:
    """An inline SVG identicon; decorative, so hidden from screen readers."""
    digest = identity_digest(email, secret_key)
    hue = int.from_bytes(digest[:2], "big") % 360
    half = (GRID + 1) // 2
    cells = []
    for index in range(GRID * half):
        if digest[2 + index] & 1:
            x, y = divmod(index, GRID)
            cells.append((x, y))
            if x != GRID - 1 - x:
                cells.append((GRID - 1 - x, y))
    if not cells:  # never show an empty square
        cells.append((GRID // 2, GRID // 2))
    path = "".join(f"M{x} {y}h1v1h-1z" for x, y in sorted(cells))
    return Markup(
        f'<svg class="mc-avatar" xmlns="http://www.w3.org/2000/svg" viewBox="-0.5 -0.5 6 6" '
        f'width="{size}" height="{size}" aria-hidden="true" focusable="false">'
        f'<rect x="-0.5" y="-0.5" width="6" height="6" rx="1" fill="hsl({hue} 45% 90%)"/>'
        f'<path fill="hsl({hue} 55% 38%)" d="{path}"/></svg>'
    )


def gravatar_img(email: str, size: int = SIZE) -> Markup:
    """A Gravatar picture (the site owner chose to send hashed emails to Gravatar)."""
    digest = hashlib.sha256(normalize_email(email).encode()).hexdigest()
    src = f"{GRAVATAR_URL}{digest}?s={size * 2}&d=identicon"
    return Markup(
        '<img class="mc-avatar" src="{}" alt="" width="{}" height="{}" loading="lazy" '
        'referrerpolicy="no-referrer">'
    ).format(escape(src), size, size)


def avatar(email: str, secret_key: str, *, gravatar: bool = False) -> Markup:
    """The avatar markup for a commenter, as configured."""
    return gravatar_img(email) if gravatar else identicon_svg(email, secret_key)
