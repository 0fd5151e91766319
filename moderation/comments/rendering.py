"""Comment text to safe HTML: a small Markdown subset, then a strict sanitizer.

Rendering happens once, when a comment is saved or edited; the stored HTML is what
every public output shows.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore

ALLOWED_TAGS = {"p", "br", "em", "strong", "code", "pre", "a", "blockquote", "ul", "ol", "li"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
LINK_REL = "nofollow ugc noopener"

# How deeply quotes, lists and emphasis nest at most. markdown-it stops nesting blocks
# there (``maxNesting``), but emphasis nests without bound: "*a **a " repeated made a
# 10,000-character comment 1,400 elements deep. Deeper emphasis shows its markers.
MAX_NESTING = 20
EMPHASIS = {"em_open": 1, "strong_open": 1, "em_close": -1, "strong_close": -1}


def _limit_emphasis_nesting(state: StateCore) -> None:
    for block in state.tokens:
        depth = 0
        for token in block.children or ():
            step = EMPHASIS.get(token.type, 0)
            if step > 0:
                depth += 1
            if step and depth > MAX_NESTING:
                token.type, token.tag, token.nesting = "text", "", 0
                token.content = token.markup
            if step < 0:
                depth -= 1


@cache
def _markdown() -> MarkdownIt:
    # Raw HTML is not passed through: "<b>" shows as text. Headings, images, tables and
    # rules are off: a comment is prose, not a page. Reference links are off too: each
    # "[a]" would repeat the whole address of its definition, so a comment of 10,000
    # characters could store megabytes; links are written where they point.
    md = MarkdownIt(
        "commonmark",
        {"html": False, "breaks": True, "linkify": False, "maxNesting": MAX_NESTING},
    )
    md.disable(["heading", "lheading", "image", "hr", "html_block", "html_inline", "reference"])
    md.core.ruler.after("inline", "limit_emphasis_nesting", _limit_emphasis_nesting)
    # Normalizing an address (parsing it, punycode, percent-encoding) is most of the cost
    # of a link; a comment flooding one address over and over pays it once.
    md.normalizeLink = lru_cache(maxsize=256)(md.normalizeLink)  # type: ignore[method-assign]
    return md


def render_comment(text: str) -> str:
    """Render a comment's Markdown source to sanitized HTML."""
    return _sanitize(_markdown().render(text))


# Tags that already make paragraphs: HTML holding one of them is not given any more.
BLOCK_TAG_RE = re.compile(r"<\s*(p|div|ul|ol|blockquote|pre|table|h[1-6])\b", re.IGNORECASE)
BLANK_LINES_RE = re.compile(r"\n\s*\n")


def render_imported_html(html: str) -> str:
    """Sanitized HTML from a comment that another system stored as HTML (WordPress,
    Disqus): the same tags and links as a comment written here, nothing else.

    Text without paragraphs of its own gets them as WordPress shows it: a blank line
    starts a paragraph, a single newline breaks the line.
    """
    text = html.replace("\r\n", "\n").strip()
    if not BLOCK_TAG_RE.search(text):
        paragraphs = [part.strip() for part in BLANK_LINES_RE.split(text) if part.strip()]
        text = "".join(f"<p>{part.replace(chr(10), '<br>')}</p>" for part in paragraphs)
    return _sanitize(text)


def _sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel=LINK_REL,
        strip_comments=True,
    ).strip()
