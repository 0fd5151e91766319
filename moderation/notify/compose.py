"""What the worker adds to a mail's stored context just before rendering it: the plain
text of the sanitized HTML and the signed one-click links. Done at send time, so that the
reader's POST only writes rows."""

from __future__ import annotations

from typing import Any

from .links import MODERATOR_ACTIONS, action_token
from .mail import html_to_text

EXCERPT = 300


def prepare(context: dict[str, Any], secret_key: str, base_url: str = "") -> dict[str, Any]:
    """``context`` with ``text`` beside each ``html`` (a parent's cut to an excerpt),
    ``tokens`` (approve, reject, spam) where it names a moderator and a comment's
    version, an absolute ``article_url`` (a path on this site gets ``base_url``), and
    the same for each of a digest's ``items``."""
    prepared = dict(context)
    url = prepared.get("article_url")
    if isinstance(url, str) and url.startswith("/") and not url.startswith("//"):
        prepared["article_url"] = base_url.rstrip("/") + url
    if isinstance(prepared.get("html"), str) and "text" not in prepared:
        prepared["text"] = html_to_text(prepared["html"])
    parent = prepared.get("parent")
    if isinstance(parent, dict) and isinstance(parent.get("html"), str):
        prepared["parent"] = {**parent, "text": html_to_text(parent["html"])[:EXCERPT]}
    ids = [prepared.get(name) for name in ("moderator_id", "comment_id", "version")]
    if all(isinstance(value, int) for value in ids) and "tokens" not in prepared:
        moderator_id, comment_id, version = (int(value) for value in ids)  # type: ignore[arg-type]
        prepared["tokens"] = {
            action: action_token(secret_key, moderator_id, comment_id, version, action)
            for action in MODERATOR_ACTIONS
        }
    items = prepared.get("items")
    if isinstance(items, list):
        prepared["items"] = [
            prepare(item, secret_key, base_url) if isinstance(item, dict) else item
            for item in items
        ]
    return prepared
