"""WordPress's export (WXR 1.0 to 1.2): posts with their comments, streamed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element

from ..comments.models import Status
from ..comments.rendering import render_imported_html
from .files import Progress, check_xml, child_text, iter_xml, local_name
from .model import (
    ImportedArticle,
    ImportedComment,
    Summary,
    author_email,
    author_name,
    author_website,
    parse_date,
    source_key,
)

SOURCE = "wordpress"
STATUSES = {
    "1": Status.APPROVED,
    "approve": Status.APPROVED,
    "0": Status.PENDING,
    "hold": Status.PENDING,
    "spam": Status.SPAM,
    "trash": Status.REJECTED,
    "post-trashed": Status.REJECTED,
}
# What the item says about its post, before its comments.
POST_FIELDS = ("title", "link", "post_id", "post_name", "comment_status", "guid")
NO_DATE = "0000-00-00 00:00:00"


def read(path: Path, summary: Summary, progress: Progress) -> Iterator[ImportedComment]:
    """Every comment of every item, as it comes; pingbacks and trackbacks are skipped."""
    check_xml(path, summary)
    site = ""
    post: dict[str, str] = {}
    stack: list[Element] = []
    articles_with_comments = 0
    items = 0
    has_comments = False
    for event, element in iter_xml(path, ("start", "end"), progress):
        name = local_name(element.tag)
        if event == "start":
            stack.append(element)
            if name == "item":
                post, has_comments = {}, False
                items += 1
            continue
        stack.pop()
        parent = local_name(stack[-1].tag) if stack else ""
        if parent == "channel" and name in ("base_site_url", "link") and not site:
            site = (element.text or "").strip()
        elif parent == "item" and name in POST_FIELDS:
            post[name] = (element.text or "").strip()
        elif parent == "item" and name == "comment":
            if not has_comments:
                has_comments = True
                articles_with_comments += 1
            comment = _comment(element, site, post, summary)
            if comment is not None:
                yield comment
            stack[-1].remove(element)
        elif name == "item" and stack:
            stack[-1].remove(element)
    if items > articles_with_comments:
        summary.warn(
            f"{items - articles_with_comments} post(s) without comments: no article created"
        )


def _article(post: dict[str, str]) -> ImportedArticle:
    return ImportedArticle(
        key=post.get("post_id") or post.get("link") or post.get("guid", ""),
        url=post.get("link", ""),
        title=post.get("title", ""),
        slug=post.get("post_name", ""),
        closed=post.get("comment_status", "open") == "closed",
    )


def _comment(
    element: Element, site: str, post: dict[str, str], summary: Summary
) -> ImportedComment | None:
    kind = child_text(element, "comment_type").lower()
    if kind in ("pingback", "trackback"):
        summary.skip(f"{kind}s")
        return None
    comment_id = child_text(element, "comment_id")
    if not comment_id:
        summary.skip("without a comment_id")
        return None
    gmt, local = child_text(element, "comment_date_gmt"), child_text(element, "comment_date")
    created = parse_date(gmt) if gmt and gmt != NO_DATE else None
    if created is None and local and local != NO_DATE:
        created = parse_date(local)
        if created is not None:
            summary.warn("comment(s) without comment_date_gmt: the local date was taken as UTC")
    if created is None:
        summary.skip("without a readable date")
        return None
    content = child_text(element, "comment_content")
    if not content:
        summary.skip("without any text")
        return None
    approved = child_text(element, "comment_approved").lower()
    status = STATUSES.get(approved)
    if status is None:
        summary.warn(f"unknown comment_approved {approved[:20]!r}: imported as pending")
        status = Status.PENDING
    article = _article(post)
    parent = child_text(element, "comment_parent")
    return ImportedComment(
        source_id=source_key(site, article.key, comment_id),
        article=article,
        author_name=author_name(child_text(element, "comment_author")),
        email=author_email(child_text(element, "comment_author_email"), summary),
        website=author_website(child_text(element, "comment_author_url")),
        remote_addr=child_text(element, "comment_author_IP") or None,
        created_at=created,
        status=status,
        body=content,
        html=render_imported_html(content),
        parent_source_id=(
            source_key(site, article.key, parent) if parent and parent != "0" else None
        ),
    )
