"""The widget's static files, addressed by a hash of their content.

``/v/<digest>/embed.js`` (and the CSS, and the iframe's height script) never change,
so browsers keep them for a year; a new release gets a new digest, hence a new URL.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

from flask import Response, abort, redirect, request, url_for
from flask.typing import ResponseReturnValue

from ..urls import external_url_for
from . import bp

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

# The files served under a content-hashed URL, with their media types.
ASSETS = {
    "embed.js": "text/javascript",
    # What the widget loads on first use: posting, replies, editing, older pages.
    "widget.js": "text/javascript",
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


# /embed.js is revalidated every few minutes, so a new release reaches every blog soon;
# the content-hashed /v/<digest>/<name> URLs never change and are kept for a year.
EMBED_JS_CACHE = "public, max-age=600"
IMMUTABLE = "public, max-age=31536000, immutable"

# name -> (the file's mtime, its content, when the mtime was last looked at)
_cache: dict[str, tuple[int, Asset, float]] = {}
# A file edited while the server runs is served within this many seconds; every read of
# the fragment names the assets, and a stat each time would cost more than the read.
RECHECK_SECONDS = 1.0


def load(name: str) -> Asset:
    """The current content of a widget asset, re-read when the file changes."""
    cached = _cache.get(name)
    now = time.monotonic()
    if cached is not None and now - cached[2] < RECHECK_SECONDS:
        return cached[1]
    if name not in ASSETS:
        raise KeyError(name)
    path = STATIC_DIR / name
    mtime = path.stat().st_mtime_ns
    if cached is not None and cached[0] == mtime:
        _cache[name] = (mtime, cached[1], now)
        return cached[1]
    body = path.read_bytes()
    asset = Asset(name, body, hashlib.sha256(body).hexdigest()[:12], ASSETS[name])
    _cache[name] = (mtime, asset, now)
    return asset


def _asset_response(asset: Asset, cache_control: str) -> Response:
    response = Response(asset.body, mimetype=asset.mimetype)
    response.headers["Cache-Control"] = cache_control
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.set_etag(asset.digest)
    response.make_conditional(request)
    return response


@bp.get("/embed.js")
def embed_js() -> Response:
    """The widget: a short cache lifetime and an ETag; the pinned URL in ``Link``."""
    asset = load("embed.js")
    response = _asset_response(asset, EMBED_JS_CACHE)
    pinned = external_url_for("public.versioned_asset", digest=asset.digest, name=asset.name)
    response.headers["Link"] = f'<{pinned}>; rel="canonical"'
    return response


@bp.get("/v/<digest>/<name>")
def versioned_asset(digest: str, name: str) -> ResponseReturnValue:
    """A widget asset under its content hash, kept a year; an old hash moves on."""
    try:
        asset = load(name)
    except KeyError:
        abort(404)
    if digest != asset.digest:
        response = redirect(url_for("public.versioned_asset", digest=asset.digest, name=name))
        response.headers["Cache-Control"] = "no-cache"
        return response
    return _asset_response(asset, IMMUTABLE)
