"""Commento's (and Comentario's) JSON export, version 1: comments, commenters, pages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..comments.models import Status
from ..comments.rendering import render_comment, render_imported_html
from .files import ImportRefused, Progress, check_json, iter_json
from .model import (
    ImportedArticle,
    ImportedComment,
    Summary,
    author_email,
    author_name,
    author_website,
    parse_date,
)

SOURCE = "commento"
STATES = {"approved": Status.APPROVED, "unapproved": Status.PENDING, "flagged": Status.SPAM}
ROOT = "root"


def read(path: Path, summary: Summary, progress: Progress) -> Iterator[ImportedComment]:
    """Every comment, as it comes; the commenters and pages are read first."""
    check_json(path)
    versions = list(iter_json(path, "version"))
    if versions != [1]:
        raise ImportRefused(
            f"{path.name}: not a Commento export of version 1 "
            f"(its version is {versions[0] if versions else 'missing'})."
        )
    commenters = {
        str(c.get("commenterHex")): c
        for c in iter_json(path, "commenters.item")
        if isinstance(c, dict)
    }
    locked = {
        (str(p.get("domain", "")), str(p.get("path", ""))): p
        for p in iter_json(path, "pages.item")
        if isinstance(p, dict)
    }
    for item in iter_json(path, "comments.item", progress):
        comment = _comment(item, commenters, locked, summary)
        if comment is not None:
            yield comment


def _comment(
    item: Any,
    commenters: dict[str, dict[str, Any]],
    pages: dict[tuple[str, str], dict[str, Any]],
    summary: Summary,
) -> ImportedComment | None:
    if not isinstance(item, dict) or not item.get("commentHex"):
        summary.skip("without a commentHex")
        return None
    if item.get("deleted") is True:
        summary.skip("deleted in the source")
        return None
    markdown = str(item.get("markdown") or "").strip()
    html = str(item.get("html") or "").strip()
    if not markdown and not html:
        summary.skip("without any text")
        return None
    created = parse_date(str(item.get("creationDate") or ""))
    if created is None:
        summary.skip("without a readable date")
        return None
    state = str(item.get("state") or "")
    status = STATES.get(state)
    if status is None:
        summary.warn(f"unknown Commento state {state[:20]!r}: imported as pending")
        status = Status.PENDING
    domain, page_path = str(item.get("domain") or ""), str(item.get("url") or "")
    page = pages.get((domain, page_path), {})
    commenter = commenters.get(str(item.get("commenterHex")), {})
    anonymous = commenter.get("provider") == "anon" or not commenter
    parent = str(item.get("parentHex") or ROOT)
    return ImportedComment(
        source_id=str(item["commentHex"]),
        article=ImportedArticle(
            key=f"{domain}{page_path}",
            url=f"https://{domain}{page_path}" if domain else page_path,
            title=str(page.get("title") or ""),
            closed=page.get("isLocked") is True,
        ),
        author_name=author_name("" if anonymous else str(commenter.get("name") or "")),
        email="" if anonymous else author_email(str(commenter.get("email") or ""), summary),
        website="" if anonymous else author_website(str(commenter.get("link") or "")),
        remote_addr=None,
        created_at=created,
        status=status,
        body=markdown or html,
        html=render_comment(markdown) if markdown else render_imported_html(html),
        parent_source_id=None if parent == ROOT else parent,
    )
