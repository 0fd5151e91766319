"""The widget's static files, addressed by a hash of their content.

``/v/<digest>/embed.js`` (and the CSS, and the iframe's height script) never change,
so browsers keep them for a year; a new release gets a new digest, hence a new URL.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent / "static"

# The files served under a content-hashed URL, with their media types.
ASSETS = {
    "embed.js": "text/javascript",
    "embed-frame.js": "text/javascript",
    "widget.css": "text/css",
    "embed-page.css": "text/css",
}


@dataclass(frozen=True)
class Asset:
    name: str
    body: bytes
    digest: str
    mimetype: str


_cache: dict[str, tuple[int, Asset]] = {}


def load(name: str) -> Asset:
    """The current content of a widget asset, re-read when the file changes."""
    if name not in ASSETS:
        raise KeyError(name)
    path = STATIC_DIR / name
    mtime = path.stat().st_mtime_ns
    cached = _cache.get(name)
    if cached is not None and cached[0] == mtime:
        return cached[1]
    body = path.read_bytes()
    asset = Asset(name, body, hashlib.sha256(body).hexdigest()[:12], ASSETS[name])
    _cache[name] = (mtime, asset)
    return asset
