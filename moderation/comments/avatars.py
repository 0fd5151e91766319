"""Avatars that do not give the email away.

By default every commenter gets an identicon: a 5×5 mirrored pattern and a colour drawn
from an HMAC of their email keyed with the server's secret. The same email gives the
same picture on every article, yet without the secret nobody can tell which email it
came from (a plain hash of an email can be looked up in a list of emails; a keyed one
cannot). Gravatar pictures are used only when the site owner turns ``GRAVATAR`` on.
"""

from __future__ import annotations

import base64
import colorsys
import hashlib
import hmac
from functools import lru_cache

from markupsafe import Markup, escape

from ..core.text import normalize_email

GRID = 5
SIZE = 40
GRAVATAR_URL = "https://gravatar.com/avatar/"
GRAVATAR_ORIGIN = "https://gravatar.com"


# A list of comments asks for the same commenters again and again: each address is
# hashed once per worker (the addresses are in memory anyway, with the rows read).
@lru_cache(maxsize=8192)
def identity_digest(email: str, secret_key: str) -> bytes:
    """HMAC-SHA256 of the normalized email, keyed with the server secret."""
    return hmac.new(_key(secret_key), normalize_email(email).encode(), hashlib.sha256).digest()


@lru_cache(maxsize=8)
def _key(secret_key: str) -> bytes:
    return hashlib.sha256(b"moderation.identicon\x00" + secret_key.encode()).digest()


def _drawing(digest: bytes) -> str:
    """The identicon's background square and pattern, drawn from the digest: a 5×5 grid
    mirrored left to right, each row's runs of cells one stroke."""
    hue = int.from_bytes(digest[:2], "big") % 360
    half = (GRID + 1) // 2
    rows: list[set[int]] = [set() for _ in range(GRID)]
    for index in range(GRID * half):
        if digest[2 + index] & 1:
            x, y = divmod(index, GRID)
            rows[y].update((x, GRID - 1 - x))
    if not any(rows):  # never show an empty square
        rows[GRID // 2].add(GRID // 2)
    # The grid sits half a cell in from each edge of the 6×6 square: a run of cells in
    # row y is a stroke one unit wide along y + 1. Each run starts with an absolute move
    # or one relative to where the last ended, whichever is shorter.
    path = []
    end: tuple[int, int] | None = None
    for y, cells in enumerate(rows):
        x = 0
        while x < GRID:
            if x in cells:
                start = x
                while x in cells:
                    x += 1
                move = f"M{start or ''}.5,{y + 1}"
                if end is not None:
                    step = f"m{start - end[0]},{y + 1 - end[1]}"
                    move = min(move, step, key=len)
                path.append(f"{move}h{x - start}")
                end = (x, y + 1)
            x += 1
    # The background is a filled path too, fewer bytes than a <rect>; no value needs
    # quotes (commas separate the numbers).
    return (
        f"<path fill={_colour(hue, 0.45, 0.90)} d=M0,0h6v6H0 />"
        f"<path stroke={_colour(hue, 0.55, 0.38)} d={''.join(path)} />"
    )


def _colour(hue: int, saturation: float, lightness: float) -> str:
    """An HSL colour written as ``#rrggbb``, half the bytes of ``hsl(…)``."""
    red, green, blue = colorsys.hls_to_rgb(hue / 360, lightness, saturation)
    return "#" + "".join(f"{round(part * 255):02x}" for part in (red, green, blue))


VIEW_BOX = "0,0,6,6"


# Cached by the keyed digest, never by the email: the same commenter is drawn once.
@lru_cache(maxsize=4096)
def _identicon(digest: bytes, size: int) -> Markup:
    return Markup(
        f'<svg class="mc-avatar" viewBox={VIEW_BOX} width={size} height={size} '
        "aria-hidden=true>"
        f"{_drawing(digest)}</svg>"
    )


@lru_cache(maxsize=4096)
def _drawn(digest: bytes, avatar_id: str) -> Markup:
    return Markup(
        f"<svg aria-hidden=true id={avatar_id} viewBox={VIEW_BOX}>{_drawing(digest)}</svg>"
    )


def identicon_svg(email: str, secret_key: str, size: int = SIZE) -> Markup:
    """An inline SVG identicon; decorative, so hidden from screen readers."""
    return _identicon(identity_digest(email, secret_key), size)


def avatar_key(digest: bytes) -> str:
    """Four characters naming a commenter's drawing: 24 bits of the keyed digest the
    picture does not use, in URL-safe base64. The same commenter gets the same key on
    every page of an article, so an older page's avatars, added to the list, agree with
    those already there."""
    return base64.urlsafe_b64encode(digest[20:23]).decode()


# Ids go unquoted into the markup: the prefix is an article id (a slug) and a hyphen.
def _unquotable(prefix: str) -> bool:
    return all(char.isascii() and (char.isalnum() or char in "._-") for char in prefix)


class AvatarSheet:
    """The avatars of one page: each commenter's identicon drawn once, by the first of
    their comments (an ``<svg>`` with an id), and a ``<use>`` of that drawing for each of
    the others.

    Ids start with ``prefix`` (several fragments may share a page) and come from bytes of
    the keyed digest the picture does not use, never from the email.
    """

    def __init__(
        self, secret_key: str, *, gravatar: bool = False, prefix: str = "", inline: bool = False
    ) -> None:
        if not _unquotable(prefix):
            raise ValueError(f"an avatar id prefix of letters, digits, '.', '_', '-': {prefix!r}")
        self.secret_key = secret_key
        self.gravatar = gravatar
        self.prefix = prefix
        # Inline: each avatar a whole SVG (a comment shown alone, outside any page).
        self.inline = inline
        self._drawn: set[str] = set()
        self._uses: dict[str, Markup] = {}

    def of(self, email: str) -> Markup:
        """The avatar of the commenter with ``email``, for one comment."""
        if self.gravatar:
            return gravatar_img(email)
        if self.inline:
            return identicon_svg(email, self.secret_key)
        use = self._uses.get(email)
        if use is not None:
            return use
        digest = identity_digest(email, self.secret_key)
        avatar_id = f"{self.prefix}{avatar_key(digest)}"
        # Sized by the widget's stylesheet, which the fragment links.
        self._uses[email] = Markup(f"<svg aria-hidden=true><use href=#{avatar_id} /></svg>")
        # Another address with the same 24-bit key (about one page in 30 with 1,000
        # commenters) shows the earlier one's picture: never an error, never an address.
        if avatar_id in self._drawn:
            return self._uses[email]
        self._drawn.add(avatar_id)
        return _drawn(digest, avatar_id)


def gravatar_img(email: str, size: int = SIZE) -> Markup:
    """A Gravatar picture (the site owner chose to send hashed emails to Gravatar)."""
    digest = hashlib.sha256(normalize_email(email).encode()).hexdigest()
    src = f"{GRAVATAR_URL}{digest}?s={size * 2}&d=identicon"
    return Markup(
        '<img class="mc-avatar" src="{}" alt="" width="{}" height="{}" loading="lazy" '
        'referrerpolicy="no-referrer">'
    ).format(escape(src), size, size)
