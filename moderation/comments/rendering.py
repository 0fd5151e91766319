"""Comment text to safe HTML: a small Markdown subset, then a strict sanitizer.

Rendering happens once, when a comment is saved or edited; the stored HTML is what
every public output shows.
"""

from __future__ import annotations

from functools import cache

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {"p", "br", "em", "strong", "code", "pre", "a", "blockquote", "ul", "ol", "li"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
LINK_REL = "nofollow ugc noopener"


@cache
def _markdown() -> MarkdownIt:
    # Raw HTML is not passed through: "<b>" shows as text. Headings, images, tables and
    # rules are off: a comment is prose, not a page.
    md = MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": False})
    md.disable(["heading", "lheading", "image", "hr", "html_block", "html_inline"])
    return md


def render_comment(text: str) -> str:
    """Render a comment's Markdown source to sanitized HTML."""
    html = _markdown().render(text)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel=LINK_REL,
        strip_comments=True,
    ).strip()
