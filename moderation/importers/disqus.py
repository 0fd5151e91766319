"""Disqus's XML export: threads (the pages) first read whole, then posts streamed."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element

from ..comments.models import Status
from ..comments.rendering import render_imported_html
from .files import Progress, check_xml, child, child_text, iter_xml, local_name
from .model import (
    ImportedArticle,
    ImportedComment,
    Summary,
    author_email,
    author_name,
    parse_date,
)

SOURCE = "disqus"
DSQ_ID = "{http://disqus.com/disqus-internals}id"
BOOLEANS = {"true": True, "false": False, "": False}


def read(path: Path, summary: Summary, progress: Progress) -> Iterator[ImportedComment]:
    """Every post, as it comes, on the thread it names."""
    check_xml(path, summary)
    threads = _threads(path)
    root: Element | None = None
    depth = 0
    for event, element in iter_xml(path, ("start", "end"), progress):
        if event == "start":
            root = element if root is None else root
            depth += 1
            continue
        depth -= 1
        if depth != 1 or root is None:
            continue
        if local_name(element.tag) == "post":
            comment = _post(element, threads, summary)
            if comment is not None:
                yield comment
        root.remove(element)


def _threads(path: Path) -> dict[str, ImportedArticle]:
    """Each thread's article by its Disqus id: threads may come after their posts."""
    threads: dict[str, ImportedArticle] = {}
    depth = 0
    for event, element in iter_xml(path, ("start", "end")):
        depth += 1 if event == "start" else -1
        if event != "end" or depth != 1:
            continue
        if local_name(element.tag) == "thread" and element.get(DSQ_ID):
            thread_id = element.get(DSQ_ID, "")
            threads[thread_id] = ImportedArticle(
                key=thread_id,
                url=child_text(element, "link"),
                title=child_text(element, "title"),
                slug=child_text(element, "id"),
                closed=child_text(element, "isClosed").lower() == "true",
            )
        element.clear()
    return threads


def _flag(element: Element, name: str, summary: Summary) -> bool:
    value = child_text(element, name).lower()
    if value not in BOOLEANS:
        summary.warn(f"{name} is neither true nor false ({value[:20]!r}): taken as false")
    return BOOLEANS.get(value, False)


def _post(
    element: Element, threads: dict[str, ImportedArticle], summary: Summary
) -> ImportedComment | None:
    thread = child(element, "thread")
    article = threads.get(thread.get(DSQ_ID, "") if thread is not None else "")
    if article is None:
        summary.skip("on a thread that is not in the file")
        return None
    created = parse_date(child_text(element, "createdAt"))
    if created is None:
        summary.skip("without a readable date")
        return None
    message = child_text(element, "message")
    if not message:
        summary.skip("without any text")
        return None
    status = Status.APPROVED
    if _flag(element, "isDeleted", summary):
        status = Status.REJECTED
    if _flag(element, "isSpam", summary):
        status = Status.SPAM
    author = child(element, "author")
    name = child_text(author, "name") if author is not None else ""
    username = child_text(author, "username") if author is not None else ""
    email = child_text(author, "email") if author is not None else ""
    parent = child(element, "parent")
    parent_id = parent.get(DSQ_ID) if parent is not None else None
    return ImportedComment(
        source_id=_post_id(element, article.key, created.isoformat(), name, message),
        article=article,
        author_name=author_name(name or username),
        email=author_email(email, summary),
        website="",
        remote_addr=child_text(element, "ipAddress") or None,
        created_at=created,
        status=status,
        body=message,
        html=render_imported_html(message),
        parent_source_id=parent_id or None,
    )


def _post_id(element: Element, *facts: str) -> str:
    """The post's Disqus id; else its import id; else a digest of what it says."""
    if element.get(DSQ_ID):
        return element.get(DSQ_ID, "")
    if child_text(element, "id"):
        return "id:" + child_text(element, "id")
    return "sha256:" + hashlib.sha256("\x00".join(facts).encode()).hexdigest()
