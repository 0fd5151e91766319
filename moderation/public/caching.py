"""The read cache: an article's rendered comment list and fragment, kept by validator.

Every public read first computes its ETag from the article's version (one primary-key
read, see ``reading.public_etag``); the version changes in the same transaction as
anything readers see, so a stored rendering under that ETag is right by construction,
in every worker and on every host. A hit writes the stored bytes and renders nothing.

The store is Flask-Caching's: each worker's memory (``SimpleCache``, at most
``READ_CACHE_ENTRIES`` renderings) by default, Redis (shared) when ``REDIS_URL`` is set.
A Redis that fails costs a render, never a request: the cache is skipped for a while
and the failure logged once.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, Response, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..comments.articles import CHANGED_VERSIONS
from ..extensions import cache, db

log = logging.getLogger(__name__)

# A rendering is kept at most this long (seconds): a version is never reused, so this
# only frees the room of articles nobody reads any more.
ENTRY_TIMEOUT = 24 * 60 * 60
# After a Redis failure, each worker renders without the cache this long (seconds).
BACKOFF_SECONDS = 10.0
_skip_until = 0.0
# Set by a view on an answer the fast path may keep whole (see ``fastpath``); never sent.
STORE_HEADER = "X-Read-Cache-Store"


def cache_config(app_config: dict[str, Any], release: str) -> dict[str, Any]:
    """Flask-Caching's settings for the read cache, from ours."""
    # The key names the release (templates, code) and the secret (identicons), so bytes a
    # shared Redis holds from another release or key are never served.
    prefix = f"mc:{release}:"
    if not app_config["READ_CACHE"]:
        return {"CACHE_TYPE": "NullCache", "CACHE_NO_NULL_WARNING": True}
    if app_config["REDIS_URL"]:
        return {
            "CACHE_TYPE": "RedisCache",
            "CACHE_REDIS_URL": app_config["REDIS_URL"],
            "CACHE_KEY_PREFIX": prefix,
            "CACHE_DEFAULT_TIMEOUT": ENTRY_TIMEOUT,
            "CACHE_OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    return {
        "CACHE_TYPE": "SimpleCache",
        "CACHE_THRESHOLD": app_config["READ_CACHE_ENTRIES"],
        "CACHE_KEY_PREFIX": prefix,
        "CACHE_DEFAULT_TIMEOUT": ENTRY_TIMEOUT,
    }


def release_digest(template_dir: str, secret_key: str, *names: str) -> str:
    """A short digest of what a rendering depends on besides the article: the templates
    (``names``, relative to ``template_dir``) and the secret key that draws identicons."""
    digest = hashlib.blake2b(digest_size=8)
    digest.update(hashlib.sha256(b"moderation.read-cache\x00" + secret_key.encode()).digest())
    for name in names:
        with open(f"{template_dir}/{name}", "rb") as file:
            digest.update(file.read())
    return digest.hexdigest()


# The settings an answer's bytes or headers depend on: workers that differ in them (a
# change being rolled out) must not serve each other's answers from a shared Redis.
SHAPING_SETTINGS = (
    "PUBLIC_URL",
    "PUBLIC_MAX_AGE",
    "PUBLIC_STALE_WHILE_REVALIDATE",
    "SECURE_COOKIES",
    "ALLOWED_ORIGINS",
    "GRAVATAR",
    "MAX_THREAD_DEPTH",
)


def init_app(app: Flask, template_dir: str) -> None:
    templates = (
        "embed/_comment.html",
        "embed/_fields.html",
        "embed/_strings.html",
        "embed/fragment.html",
        "_field.html",
    )
    settings = repr([app.config[name] for name in SHAPING_SETTINGS])
    release = release_digest(template_dir, app.config["SECRET_KEY"] + settings, *templates)
    cache.init_app(app, config=cache_config(app.config, release))
    if not event.contains(db.session, "after_commit", _forget_changed_versions):
        event.listen(db.session, "after_commit", _forget_changed_versions)
        event.listen(db.session, "after_rollback", _discard_changed_versions)


# --- articles' versions, shared through Redis ---------------------------------------------
#
# With Redis, each article's version is kept there too, so a page view of an unchanged
# article needs no database at all, and cached reads go on while the database is down or
# hung. A commit that changes a version deletes the copy at once (every worker and host
# reads the same Redis); the copy also expires after PUBLIC_MAX_AGE seconds, the
# staleness browsers and proxies are allowed anyway, which bounds a read that raced the
# commit. In each worker's own memory no deletion could reach the other workers, so
# there the version is always read from the database.

VERSION_PREFIX = "version:"


def versions_shared(config: Mapping[str, Any]) -> bool:
    return bool(config["READ_CACHE"] and config["REDIS_URL"] and config["PUBLIC_MAX_AGE"])


def read_version(
    store: Any, config: Mapping[str, Any], article_id: str, read: Callable[[], str | None]
) -> str | None:
    """An article's version: the copy Redis keeps when versions are shared there, else
    ``read()`` (one primary-key read; None for no such article), then shared."""
    shared = versions_shared(config) and time.monotonic() >= _skip_until
    if shared:
        try:
            kept = store.get(VERSION_PREFIX + article_id)
        except Exception as exc:
            _unavailable(exc)
            shared = False
        else:
            if isinstance(kept, str):
                return kept
    version = read()
    if shared and version is not None:
        try:
            store.set(VERSION_PREFIX + article_id, version, timeout=config["PUBLIC_MAX_AGE"])
        except Exception as exc:
            _unavailable(exc)
    return version


def _forget_changed_versions(session: Session) -> None:
    changed = session.info.pop(CHANGED_VERSIONS, None)
    if not changed or not has_app_context() or not versions_shared(current_app.config):
        return
    try:
        cache.delete_many(*(VERSION_PREFIX + article_id for article_id in changed))
    except Exception as exc:  # the copies expire by themselves within PUBLIC_MAX_AGE
        _unavailable(exc)


def _discard_changed_versions(session: Session) -> None:
    session.info.pop(CHANGED_VERSIONS, None)


def _unavailable(exc: Exception) -> None:
    global _skip_until
    _skip_until = time.monotonic() + BACKOFF_SECONDS
    log.warning(
        "The read cache failed (%s); rendering without it for %ds",
        type(exc).__name__,
        BACKOFF_SECONDS,
    )


def cached_rendering(kind: str, etag: str, render: Callable[[], bytes]) -> bytes:
    """The bytes stored for ``kind`` under ``etag``, else ``render()``'s, stored."""
    key = f"{kind}:{etag}"
    skip = time.monotonic() < _skip_until
    if not skip:
        try:
            stored = cache.get(key)
        except Exception as exc:  # a Redis that is down or hung: render, as if cold
            _unavailable(exc)
            skip = True
        else:
            if isinstance(stored, bytes):
                return stored
    body = render()
    if not skip:
        try:
            cache.set(key, body)
        except Exception as exc:
            _unavailable(exc)
    return body


def public_cache_headers(response: Response) -> Response:
    """``Cache-Control`` of a public read: reusable by any cache for ``PUBLIC_MAX_AGE``
    seconds, then served stale while it revalidates (``PUBLIC_STALE_WHILE_REVALIDATE``)."""
    config = current_app.config
    max_age, stale = config["PUBLIC_MAX_AGE"], config["PUBLIC_STALE_WHILE_REVALIDATE"]
    value = f"public, max-age={max_age}" if max_age else "public, no-cache"
    if stale:
        value += f", stale-while-revalidate={stale}"
    response.headers["Cache-Control"] = value
    return response
