"""Security checks as tests, each from the history of comment systems.

Every attack here once worked somewhere: attribute breakouts in a commenter's name or
website, ``javascript:`` links in disguise, Markdown link tricks, raw SVG, render bombs,
regular expressions that backtrack for ever, open redirects through ``next=``, the server
fetching a URL because a commenter wrote it, pages without HSTS or a CSP. The pages are
parsed with the standard library's HTML parser and every tag, attribute and URL is
checked, rather than searched for a substring.
"""

from __future__ import annotations

import ast
import html
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from moderation.comments import models
from moderation.comments.models import BODY_MAX, NAME_MAX, Article, Comment, Status
from moderation.comments.rendering import render_comment
from moderation.extensions import db
from moderation.public import assets

from .conftest import ARTICLE_ID, MODERATOR_EMAIL, MODERATOR_PASSWORD, Auth, csrf_from
from .helpers import post_comment

PACKAGE = Path(__file__).resolve().parent.parent / "moderation"

# --- what a page may contain --------------------------------------------------------

# Every tag the templates, the sanitizer and the identicons produce; anything else on a
# page (an <img onerror>, a <math>, an <svg> from a comment) came from an attacker.
PAGE_TAGS = frozenset(
    """html head body meta title link style script noscript iframe main header footer nav
    aside section article div p span a b i em strong code pre kbd br blockquote ul ol li dl dt
    dd h1 h2 h3 table thead tbody tr th td form label input textarea select option datalist
    button details summary time svg use path img small template""".split()
)
# SVG is only ever the identicon: an <svg class="mc-avatar"> holding two <path>s, or, on a
# page of comments, the same drawn by each commenter's first comment (<svg aria-hidden
# id viewBox>) and a bare <svg aria-hidden> for each of the others that <use>s it.
SVG_CHILDREN = frozenset({"path", "use"})


def is_identicon(values: dict[str, str]) -> bool:
    drawn = {"aria-hidden": "true", "id": values.get("id", ""), "viewbox": "0,0,6,6"}
    return values.get("class") == "mc-avatar" or values in ({"aria-hidden": "true"}, drawn)


URL_ATTRIBUTES = frozenset(
    {"href", "src", "action", "formaction", "xlink:href", "poster", "srcset", "data", "cite"}
    | {"background", "ping", "manifest", "longdesc", "lowsrc", "dynsrc", "codebase"}
)
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
SERVICE_HOST = "localhost"
# The invisible characters a browser drops from a URL before reading its scheme.
URL_NOISE = re.compile(r"[\x00-\x20\x7f]")


def url_problem(tag: str, name: str, value: str) -> str | None:
    """Why ``value`` is a dangerous URL, read the way a browser reads it, or None."""
    cleaned = URL_NOISE.sub("", html.unescape(value)).lower()
    scheme, colon, _ = cleaned.partition(":")
    if not colon or not re.fullmatch(r"[a-z][a-z0-9+.-]*", scheme):
        return None  # a relative URL (a scheme is a letter, then letters, digits, + . -)
    if scheme in SAFE_SCHEMES or (tag == "link" and cleaned == "data:,"):
        return None  # (an empty data: URL is the dashboard's "no favicon")
    return f"<{tag} {name}={value!r}>: the {scheme}: scheme"


class PageChecker(HTMLParser):
    """Collect every problem of a page: foreign tags, handlers, dangerous URLs, scripts."""

    def __init__(self, markers: tuple[str, ...]) -> None:
        super().__init__(convert_charrefs=True)
        self.markers = markers
        self.problems: list[str] = []
        self.stack: list[str] = []
        self.raw_text_tag: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._check(tag, attrs)
        if tag not in ("br", "meta", "link", "input", "img", "rect", "path", "use"):
            self.stack.append(tag)
        if tag in ("script", "style"):
            self.raw_text_tag = tag

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._check(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass
        self.raw_text_tag = None

    def handle_data(self, data: str) -> None:
        if self.raw_text_tag and any(marker in data for marker in self.markers):
            self.problems.append(f"a comment's text inside <{self.raw_text_tag}>: {data[:80]!r}")

    def _check(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        shown = f"<{tag} {' '.join(f'{k}={v!r}' for k, v in attrs)}>"[:200]
        if tag not in PAGE_TAGS:
            self.problems.append(f"foreign tag {shown}")
        if tag == "use" and not values.get("href", "").startswith("#"):
            self.problems.append(f"a <use> of something outside the page: {shown}")
        if tag == "svg" and not is_identicon(values):
            self.problems.append(f"an <svg> that is not an identicon: {shown}")
        if "svg" in self.stack and tag not in SVG_CHILDREN:
            self.problems.append(f"<{tag}> inside an <svg>: {shown}")
        if tag == "script" and not values.get("src"):
            self.problems.append(f"an inline script: {shown}")
        if tag == "meta" and "refresh" in values.get("http-equiv", "").lower():
            self.problems.append(f"a refresh: {shown}")
        for name, value in values.items():
            if name.startswith("on"):
                self.problems.append(f"an event handler: {shown}")
            if any(marker in name for marker in self.markers) or not re.fullmatch(
                r"[a-z][a-z0-9:-]*", name
            ):
                self.problems.append(f"an attribute broken out of its quotes: {shown}")
            if name in URL_ATTRIBUTES:
                problem = url_problem(tag, name, value)
                if problem:
                    self.problems.append(problem)
            if name == "style" and re.search(r"url\(|expression|javascript", value, re.I):
                self.problems.append(f"a style that loads or runs something: {shown}")


MARKERS = ("alert(", "msgbox(", "xss-")


def page_problems(markup: str) -> list[str]:
    checker = PageChecker(MARKERS)
    checker.feed(markup)
    checker.close()
    return checker.problems


def test_the_checker_sees_what_it_must() -> None:
    """The checker itself, against the classics it exists to catch."""
    bad = [
        '<a href="jav&#x09;ascript:alert(1)">x</a>',
        '<a href=" JaVaScRiPt:alert(1)">x</a>',
        '<a href="data:text/html,xss-">x</a>',
        "<a href='vbscript:msgbox(1)'>x</a>",
        '<span title="" onmouseover="alert(1)">x</span>',
        "<img src=x onerror=alert(1)>",
        "<svg><script>alert(1)</script></svg>",
        "<math><mtext>x</mtext></math>",
        '<svg class="mc-avatar"><a href="https://example.com">x</a></svg>',
        '<svg class="mc-avatar"><symbol id="x"><rect width="6"/></symbol></svg>',
        "<script>alert(1)</script>",
        "<span `xss-=1>x</span>",
        '<div style="background:url(javascript:alert(1))">x</div>',
    ]
    for markup in bad:
        assert page_problems(markup), markup
    fine = [
        '<a href="https://example.com/?a=1&amp;b=2" rel="nofollow">alert(1)</a>',
        '<a href="/moderation/?status=spam">x</a><a href="#comment-1">#</a>',
        '<a href="mailto:someone@example.com">mail</a>',
        '<svg class="mc-avatar" viewBox=0,0,6,6><path fill=#eee d=M0,0h6v6H0 />'
        '<path d="M0 0h1"/></svg>',
        '<script src="/v/abc/embed-frame.js" defer></script>',
    ]
    for markup in fine:
        assert page_problems(markup) == [], markup


# --- attacks posted by readers --------------------------------------------------------

NAMES = [
    '"><script>alert(1)</script>',
    "' onmouseover='alert(1)' x='",
    "` onmouseover=alert(1) `",
    '"><img src=x onerror=alert(1)>',
    "</textarea><svg onload=alert(1)>",
    "</script><script>alert(1)</script>",
    '<a href="javascript:alert(1)">xss-name</a>',
]
WEBSITES = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "jav&#x09;ascript:alert(1)",
    "jav\tascript:alert(1)",
    "java\x00script:alert(1)",
    "\x01javascript:alert(1)",
    "&#106;avascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "https://example.com/\"><script>alert('xss-1')</script>",
    "https://example.com/' onmouseover='alert(1)",
    "https://example.com/` onmouseover=alert(1)",
    "http://example.com/?q=<svg/onload=alert(1)>",
    "https://javascript:alert(1)@example.com",
    "javascript://example.com/%0Aalert(1)",
]
BODIES = [
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x]( javascript:alert(1))",
    "[x](jav&#x09;ascript:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](java%73cript:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](vbscript:msgbox(1))",
    "[x][ref]\n\n[ref]: javascript:alert(1)",
    '[ref]\n\n[ref]: JaVaScRiPt:alert(1) "t"',
    "<javascript:alert(1)>",
    "<vbscript:msgbox(1)>",
    "<data:text/html,xss->",
    "[[x](javascript:alert(1))](https://example.com)",
    "[x]([y](javascript:alert(1)))",
    "[![x](javascript:alert(1))](javascript:alert(1))",
    '[x](https://example.com "t" onmouseover="alert(1)")',
    '[x](https://example.com "\\" onmouseover=alert(1) x=\\"")',
    '[x](https://example.com/"onmouseover="alert(1))',
    '<a href="javascript:alert(1)">xss-a</a>',
    "<img src=x onerror=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<svg onload=alert(1)><circle r=1 /></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></math>",
    '<math href="javascript:alert(1)">xss-math</math>',
    '<iframe src="javascript:alert(1)"></iframe>',
    "<style>*{background:url(javascript:alert(1))}</style>",
    "`<script>alert(1)</script>`",
    "```\n</code></pre><script>alert(1)</script>\n```",
    "> <script>alert(1)</script>\n> [x](javascript:alert(1))",
    "- [x](javascript:alert(1))\n- <b onmouseover=alert(1)>b</b>",
    "<!-- --><script>alert(1)</script><!-- -->",
    '"><script>alert(1)</script>',
]


@dataclass
class Posted:
    """The comments a test posted, and the answers that refused some of them."""

    ids: list[int] = field(default_factory=list)
    refusals: list[TestResponse] = field(default_factory=list)


def post_both_ways(
    client: FlaskClient, form_token: Callable[..., str], posted: Posted, **fields: str
) -> None:
    """Post the same comment through the JSON API and through the no-JS /embed form."""
    response = post_comment(client, form_token(), **fields)
    if response.status_code == 202:
        posted.ids.append(response.get_json()["id"])
    else:
        assert response.status_code == 400, response.text
        posted.refusals.append(response)
    # Another address: the same text from the same one would be refused as a copy.
    data = {"name": "Ada Reader", "email": "ada.form@example.org", "token": form_token(), **fields}
    response = client.post(f"/embed/{ARTICLE_ID}", data=data)
    if response.status_code == 303:
        latest = db.session.scalars(db.select(Comment).order_by(Comment.id.desc())).first()
        assert latest is not None
        posted.ids.append(latest.id)
    else:
        assert response.status_code == 400, response.text
        posted.refusals.append(response)


def approve_all(auth: Auth, ids: list[int]) -> None:
    for start in range(0, len(ids), 100):
        response = auth.post(
            "/moderation/bulk", {"action": "approve", "selected": ids[start : start + 100]}
        )
        assert response.status_code == 303, response.text
    statuses = db.session.scalars(db.select(Comment.status).where(Comment.id.in_(ids)))
    assert set(statuses) == {Status.APPROVED}


def every_page(client: FlaskClient, ids: list[int]) -> Iterator[tuple[str, str]]:
    """(what, markup) for every place a comment shows: the JSON API's HTML, the fragment,
    the embed page, the dashboard's queue (every page of every tab) and comment pages."""
    listed: list[dict[str, Any]] = []
    older = None
    pages: list[str] = []
    while True:
        query = f"?before={older}" if older else ""
        data = client.get(f"/api/articles/{ARTICLE_ID}/comments{query}").get_json()
        listed += data["comments"]
        pages.append(query)
        older = data["older"]
        if older is None:
            break
    assert {c["id"] for c in listed} >= set(ids)
    for comment in listed:
        yield f"JSON html of #{comment['id']}", comment["html"]
        website = comment["website"]
        assert website is None or urlsplit(website).scheme in ("http", "https"), website
        # The JSON is data, not markup: the name goes out as it was written, escaped by
        # whoever puts it in a page (the widget uses the fragment's escaped markup).
        yield f"JSON author of #{comment['id']}", html.escape(comment["author"])
    for query in pages:
        for path in (f"/embed/{ARTICLE_ID}/fragment{query}", f"/embed/{ARTICLE_ID}{query}"):
            response = client.get(path)
            assert response.status_code == 200
            yield path, response.text
    for status in ("approved", "all"):
        page = 1
        while True:
            response = client.get(f"/moderation/?status={status}&page={page}")
            assert response.status_code == 200
            yield f"queue {status} page {page}", response.text
            if f"page={page + 1}" not in response.text:
                break
            page += 1
    for comment_id in ids:
        response = client.get(f"/moderation/comments/{comment_id}")
        assert response.status_code == 200
        yield f"/moderation/comments/{comment_id}", response.text
    for path in ("/moderation/articles", f"/moderation/articles/{ARTICLE_ID}", "/moderation/log"):
        response = client.get(path)
        assert response.status_code == 200
        yield path, response.text


def assert_safe_everywhere(client: FlaskClient, posted: Posted) -> None:
    problems = []
    for response in posted.refusals:
        markup = (
            json.dumps(response.get_json()) if response.is_json else response.get_data(as_text=True)
        )
        if not response.is_json:
            problems += [f"refused form page: {p}" for p in page_problems(markup)]
    for where, markup in every_page(client, posted.ids):
        problems += [f"{where}: {p}" for p in page_problems(markup)]
    assert problems == []


def test_names_and_websites_cannot_break_out(
    client: FlaskClient,
    article: Article,
    form_token: Callable[..., str],
    logged_in: Auth,
) -> None:
    posted = Posted()
    # A new text each time: the same one twice from one address is refused as a copy.
    for n, name in enumerate(NAMES):
        post_both_ways(client, form_token, posted, name=name, body=f"A name to remember ({n}).")
    for n, website in enumerate(WEBSITES):
        post_both_ways(client, form_token, posted, website=website, body=f"A site ({n}).")
    assert len(posted.ids) >= 2 * len(NAMES)
    approve_all(logged_in, posted.ids)
    assert_safe_everywhere(client, posted)
    # The names are shown as written, as text.
    fragment = client.get(f"/embed/{ARTICLE_ID}/fragment").text
    text = html.unescape(re.sub(r"<[^>]*>", "", fragment))
    for name in NAMES:
        assert name in text


def test_markdown_link_tricks_and_raw_markup_stay_inert(
    client: FlaskClient,
    article: Article,
    form_token: Callable[..., str],
    logged_in: Auth,
) -> None:
    posted = Posted()
    for body in BODIES:
        post_both_ways(client, form_token, posted, body=body)
    assert len(posted.ids) == 2 * len(BODIES)
    approve_all(logged_in, posted.ids)
    assert_safe_everywhere(client, posted)


def test_text_at_the_length_limits_in_four_byte_characters(
    client: FlaskClient,
    article: Article,
    form_token: Callable[..., str],
    logged_in: Auth,
) -> None:
    """The longest name and comment, in emoji (4 bytes each in UTF-8, 2 UTF-16 units),
    with an attack at the very end: stored whole, shown whole, still inert."""
    tail = "<script>alert(1)</script>[x](javascript:alert(1))"
    name = "😀" * (NAME_MAX - 1) + "<"
    body = "🦀" * (BODY_MAX - len(tail)) + tail
    website = "https://example.com/" + "🐍" * (models.WEBSITE_MAX - len("https://example.com/"))
    posted = Posted()
    post_both_ways(client, form_token, posted, name=name, body=body, website=website)
    assert posted.refusals == [] and len(posted.ids) == 2
    for comment_id in posted.ids:
        comment = db.session.get(Comment, comment_id)
        assert comment is not None
        assert (comment.author_name, comment.body, comment.website) == (name, body, website)
    approve_all(logged_in, posted.ids)
    assert_safe_everywhere(client, posted)
    fragment = client.get(f"/embed/{ARTICLE_ID}/fragment").text
    assert fragment.count("🦀" * (BODY_MAX - len(tail))) == 2
    assert fragment.count(html.escape(name)) >= 2
    # One character over is refused, however it is counted.
    response = post_comment(client, form_token(), body="🦀" * (BODY_MAX + 1))
    assert response.status_code == 400
    assert "body" in response.get_json()["errors"]


# --- render bombs -----------------------------------------------------------------------

RENDER_BOMBS = {
    "10,000 nested quotes": ">" * 10_000 + " x",
    "10,000 nested quotes with spaces": "> " * 5_000 + "x",
    "10,000 nested list items": "- " * 5_000 + "x",
    "10,000 nested ordered items": "1. " * 3_333 + "x",
    "nested list lines": "".join("  " * i + "- x\n" for i in range(97)),
    "10,000 links": "[a](https://example.com/)\n" * 10_000,
    "10,000 autolinks": "<https://example.com/>\n" * 10_000,
    "star storm": "*" * 10_000,
    "underscore storm": "_" * 10_000,
    "emphasis openers": "*a " * 3_333,
    "emphasis closers": "a* " * 3_333,
    "alternating emphasis": "*_" * 5_000,
    "nested strong emphasis": "*a **a " * 700 + "b" + " a** a*" * 700,
    "emphasis multiples of three": "a**b" + "c* " * 3_000,
    "deeply nested brackets": "[" * 5_000 + "a" + "]" * 5_000,
    "link openers": "[a" * 5_000,
    "link openers and emphasis closers": "[ a_" * 2_500,
    "unclosed links": "[a](<b" * 1_600,
    "nested link destinations": "[a](" + "(" * 5_000 + ")" * 5_000,
    "backtick runs": "".join("e" + "`" * i for i in range(1, 140)),
    "entities": "&#" * 5_000,
    "reference expansion": "[a]: https://example.com/" + "x" * 5_000 + "\n\n" + "[a]" * 1_600,
    "reference expansion, angle brackets": "[a]: <" + "y" * 5_000 + ">\n\n" + "[a] " * 1_200,
    "many references": "".join(f"[{i}]: https://e.example/{i}\n" for i in range(400))
    + "".join(f"[{i}] " for i in range(400)),
    "escapes": "<&\"'" * 2_500,
    "four-byte link targets": "<https://e.example/" + "😀" * 9_970 + ">",
}


ORDINARY = "Plain words of an ordinary comment, with a *little* emphasis.\n\n"


def render_cpu_seconds(source: str) -> float:
    """The renderer's own CPU time for ``source``: the thread's, the better of two runs."""
    best = float("inf")
    for _ in range(2):
        start = time.thread_time()
        render_comment(source)
        best = min(best, time.thread_time() - start)
    return best


@pytest.mark.parametrize("source", RENDER_BOMBS.values(), ids=RENDER_BOMBS.keys())
def test_render_bombs_take_bounded_time_and_space(source: str) -> None:
    """A safety limit, not a benchmark: each bomb costs at most 10 times an ordinary
    comment of the same length, measured beside it (a machine whose CPU is shared slows
    both alike; a cost that grows faster than the text shows as hundreds of times), or
    half a second for the small ones, whose ordinary twin takes a few milliseconds; and
    a comment of the legal length stores at most 20 times its size in HTML. (The two
    bombs of 230 and 260 KB cost about twice their twin, some 0.5 s alone.)"""
    ordinary = (ORDINARY * (len(source) // len(ORDINARY) + 1))[: len(source)]
    bomb_seconds = render_cpu_seconds(source)
    ordinary_seconds = render_cpu_seconds(ordinary)
    assert bomb_seconds <= max(10 * ordinary_seconds, 0.5)
    rendered = render_comment(source)
    if len(source) <= BODY_MAX:
        assert len(rendered) <= 20 * len(source)
    # Nesting is bounded too: no page gets a tree thousands of elements deep.
    depth = max_depth(rendered)
    assert depth <= 50


def max_depth(markup: str) -> int:
    depth = deepest = 0
    for match in re.finditer(r"<(/?)(blockquote|ul|ol|li|em|strong|a|p)\b", markup):
        depth += -1 if match.group(1) else 1
        deepest = max(deepest, depth)
    return deepest


# --- regular expressions against catastrophic backtracking ------------------------------

RE_FUNCTIONS = frozenset(
    {"compile", "match", "search", "sub", "subn", "fullmatch", "findall", "finditer", "split"}
)


def regex_sites() -> set[tuple[str, str]]:
    """(file, pattern or the expression building it) of every ``re.<function>(pattern, …)``
    call in the package."""
    sites = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "re"
                and node.func.attr in RE_FUNCTIONS
                and node.args
            ):
                relative = path.relative_to(PACKAGE.parent).as_posix()
                argument = node.args[0]
                written = (
                    argument.value
                    if isinstance(argument, ast.Constant) and isinstance(argument.value, str)
                    else ast.unparse(argument)
                )
                sites.add((relative, written))
    return sites


def _pattern(module: str, name: str) -> Callable[[], re.Pattern[str]]:
    def load() -> re.Pattern[str]:
        import importlib

        pattern = getattr(importlib.import_module(module), name)
        assert isinstance(pattern, re.Pattern)
        return pattern

    return load


# Every pattern of the package, where it is written, and how to get it compiled. A new
# pattern fails ``test_every_pattern_is_listed`` until it is added here, and so checked.
PATTERNS: dict[tuple[str, str], Callable[[], re.Pattern[str]]] = {
    ("moderation/spam/rules.py", r"https?://|www\."): _pattern("moderation.spam.rules", "LINK_RE"),
    ("moderation/spam/learning.py", r"[^\W_]+(?:['’][^\W_]+)*"): _pattern(
        "moderation.spam.learning", "WORD_RE"
    ),
    ("moderation/spam/learning.py", r"</?[a-zA-Z][^<>]{0,80}>"): _pattern(
        "moderation.spam.learning", "TAG_RE"
    ),
    ("moderation/decoding.py", r'"(?:[^"\\]|\\.)*"?'): _pattern(
        "moderation.decoding", "JSON_STRING"
    ),
    ("moderation/decoding.py", r"[\[\]{}]"): _pattern("moderation.decoding", "BRACKET"),
    (
        "moderation/comments/articles.py",
        "f'[A-Za-z0-9][A-Za-z0-9._-]{{0,{ARTICLE_ID_MAX - 1}}}'",
    ): _pattern("moderation.comments.articles", "ARTICLE_ID_RE"),
    ("moderation/accounts/login.py", r"([0-9]{1,10}):([0-9]{1,10})"): lambda: re.compile(
        r"([0-9]{1,10}):([0-9]{1,10})"
    ),
    (
        "moderation/comments/rendering.py",
        r"<\s*(p|div|ul|ol|blockquote|pre|table|h[1-6])\b",
    ): _pattern("moderation.comments.rendering", "BLOCK_TAG_RE"),
    ("moderation/comments/rendering.py", r"\n\s*\n"): _pattern(
        "moderation.comments.rendering", "BLANK_LINES_RE"
    ),
    ("moderation/importers/articles.py", r"[^A-Za-z0-9._-]+"): _pattern(
        "moderation.importers.articles", "NOT_SLUG_RE"
    ),
    (
        "moderation/importers/model.py",
        r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?",
    ): _pattern("moderation.importers.model", "DATE_RE"),
    (
        "moderation/public/fastpath.py",
        r"/(?:api/articles/([^/]+)/comments|embed/([^/]+)/fragment)",
    ): _pattern("moderation.public.fastpath", "ROUTE"),
    (
        "moderation/notify/links.py",
        r"""(/moderation/email/|/moderation/invitation/|/notify/(?:confirm|unsubscribe)/)[^/?#\s\"']+""",
    ): _pattern("moderation.notify.links", "LINK_PATHS"),
    ("moderation/spam/checks.py", r"%\((\w+)\)([sd])"): _pattern(
        "moderation.spam.checks", "_PLACEHOLDER"
    ),
    # A stored reason read back, one pattern per reason; the word rule's has the most parts.
    ("moderation/spam/checks.py", "pattern + re.escape(message[at:])"): lambda: _reason_pattern(
        "matched word %(pattern)s in the %(field)s (rule #%(id)d)"
    ),
}


def _reason_pattern(message: str) -> re.Pattern[str]:
    from moderation.spam.checks import reason_pattern

    return reason_pattern(message)[0]


def test_every_pattern_is_listed() -> None:
    assert regex_sites() == set(PATTERNS)


ADVERSARIAL_LENGTH = 50_000


def adversarial_inputs(pattern: re.Pattern[str]) -> Iterator[str]:
    """Long runs of every character the pattern names, and of pairs of them, each ended
    by a character that makes the match fail late."""
    alphabet = set(re.sub(r"\\[dws]", "", pattern.pattern)) | set('a9 \\"\n.-:/[{')
    alphabet -= set("()|?*+^$")
    singles = sorted(alphabet)
    n = ADVERSARIAL_LENGTH
    for char in singles:
        for end in ("", "\x00", "!", '"'):
            yield char * n + end
    for first in singles:
        for second in singles:
            if first != second:
                yield (first + second) * (n // 2) + "\x00"
    yield '"' + "\\" * n
    yield '"' + '\\"' * (n // 2)
    yield "https://" * (n // 8) + "\x00"
    yield "www." * (n // 4)
    yield "1:" * (n // 2)


@pytest.mark.parametrize("site", sorted(PATTERNS), ids=lambda site: f"{site[0]}")
def test_patterns_do_not_backtrack_catastrophically(site: tuple[str, str]) -> None:
    pattern = PATTERNS[site]()
    slowest, worst = 0.0, ""
    for text in adversarial_inputs(pattern):
        start = time.perf_counter()
        pattern.search(text)
        pattern.fullmatch(text)
        for _ in pattern.finditer(text):
            pass
        elapsed = time.perf_counter() - start
        if elapsed > slowest:
            slowest, worst = elapsed, text
    # Linear patterns take milliseconds on 50,000 characters; backtracking takes minutes.
    assert slowest < 0.5, f"{slowest:.2f}s on {worst[:20]!r}… ({len(worst)} characters)"


def test_a_body_built_to_make_the_json_scan_backtrack_is_answered_at_once(
    client: FlaskClient, article: Article
) -> None:
    """``"\\"\\"\\"…`` is one unterminated string: a scan that retried it from every quote
    took minutes for one request of 140 KB."""
    body = '{"name": "' + '\\"' * 70_000
    start = time.perf_counter()
    response = client.post(
        f"/api/articles/{ARTICLE_ID}/comments",
        data=body,
        content_type="application/json",
    )
    elapsed = time.perf_counter() - start
    assert response.status_code == 400
    assert elapsed < 2.0


# --- open redirects through next= ------------------------------------------------------

EVIL_NEXTS = [
    "//evil.example",
    "//evil.example/moderation/",
    "/\\evil.example",
    "\\/evil.example",
    "\\\\evil.example",
    "\\/\\/evil",
    "https:evil.example",
    "https://evil.example/",
    "http:/evil.example",
    "/%2F%2Fevil.example",
    "%2F%2Fevil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "\t//evil.example",
    " //evil.example",
    "/ /evil.example",
    "//evil.example%2F@localhost/",
    "/moderation/\r\nLocation: https://evil.example",
    "javascript:alert(1)",
    "data:text/html,xss-",
    "///evil.example",
    "/.//evil.example",
    "//%65vil.example",
    "/\u3000/evil.example",
    "/\uff0f/evil.example",
]


def stays_on_service(location: str) -> bool:
    """Where a browser goes with this Location: tabs and newlines dropped, backslashes
    read as slashes, resolved against the page that redirected."""
    cleaned = re.sub(r"[\t\n\r]", "", location).replace("\\", "/")
    target = urlsplit(urljoin(f"http://{SERVICE_HOST}/moderation/login", cleaned.strip()))
    return target.scheme in ("http", "https") and target.hostname == SERVICE_HOST


def test_the_browser_model_sees_the_classic_redirects() -> None:
    for location in ("//evil.example", "/\\evil.example", "/\t/evil.example", "https:evil.ex"):
        assert not stays_on_service(location)
    for location in ("/moderation/", "/moderation/?status=spam", "/%2F%2Fevil.example"):
        assert stays_on_service(location)


def raw_next(url: str, next_value: str) -> str:
    """``url?next=…`` with the value exactly as given (percent signs kept)."""
    return f"{url}?next={next_value}"


@pytest.mark.parametrize("evil", EVIL_NEXTS)
def test_login_never_redirects_off_the_service(
    client: FlaskClient, moderator: object, evil: str
) -> None:
    page = client.get("/moderation/login", query_string={"next": evil})
    assert page.status_code == 200
    assert page_problems(page.text) == []
    hidden = re.search(r'name="next"[^>]*value="([^"]*)"', page.text)
    assert hidden is None or stays_on_service(html.unescape(hidden.group(1)))
    response = client.post(
        "/moderation/login",
        data={
            "email": MODERATOR_EMAIL,
            "password": MODERATOR_PASSWORD,
            "csrf_token": csrf_from(page.text),
            "next": evil,
        },
    )
    assert response.status_code == 303
    assert stays_on_service(response.headers["Location"]), response.headers["Location"]
    # Logged in, the login page sends the moderator on at once: to the service only.
    for response in (
        client.get("/moderation/login", query_string={"next": evil}),
        client.get(raw_next("/moderation/login", evil)),
    ):
        assert response.status_code in (302, 303, 400)
        if response.status_code != 400:
            assert stays_on_service(response.headers["Location"]), response.headers["Location"]


@pytest.mark.parametrize("evil", EVIL_NEXTS)
def test_dashboard_actions_never_redirect_off_the_service(
    logged_in: Auth, make_comment: Callable[..., Comment], evil: str
) -> None:
    comment = make_comment()
    doomed = make_comment()
    forms: list[tuple[str, dict[str, Any]]] = [
        (f"/moderation/comments/{comment.id}/approve", {"version": 1}),
        (f"/moderation/comments/{comment.id}/reject", {"version": 2}),
        ("/moderation/bulk", {"action": "spam", "selected": [str(comment.id)]}),
        ("/moderation/bulk", {"action": "nonsense", "selected": [str(comment.id)]}),
        ("/moderation/bulk", {"action": "approve"}),
        (f"/moderation/articles/{ARTICLE_ID}/close", {}),
        (f"/moderation/articles/{ARTICLE_ID}/reopen", {}),
        (f"/moderation/comments/{comment.id}/restore", {"version": 1}),  # a stale version
        (f"/moderation/comments/{doomed.id}/delete", {"version": doomed.version}),
    ]
    for url, data in forms:
        response = logged_in.post(url, {**data, "next": evil})
        assert response.status_code in (303, 400, 409), (url, response.status_code)
        if response.status_code == 303:
            location = response.headers["Location"]
            assert stays_on_service(location), (url, location)


# --- no URL fetched on a commenter's say-so ---------------------------------------------


class Recorder(BaseHTTPRequestHandler):
    requests: list[str]

    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        self.server.requests.append(f"GET {self.path}")  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<title>Recorded</title>")

    do_HEAD = do_POST = do_GET  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    server.requests = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_no_url_is_fetched_on_a_commenters_say_so(
    client: FlaskClient,
    article: Article,
    form_token: Callable[..., str],
    logged_in: Auth,
    recorder: ThreadingHTTPServer,
) -> None:
    base = f"http://127.0.0.1:{recorder.server_address[1]}"
    # The recorder answers, so a fetch would be noticed.
    from urllib.request import urlopen

    with urlopen(f"{base}/probe", timeout=5) as answer:
        assert answer.status == 200
    recorder.requests.clear()  # type: ignore[attr-defined]

    body = (
        f"See [this]({base}/markdown-link) and <{base}/autolink> and {base}/bare-url, "
        f"or [that][ref].\n\n[ref]: {base}/reference"
    )
    posted = Posted()
    post_both_ways(client, form_token, posted, website=f"{base}/website", body=body)
    new_article = "a-new-article"
    response = post_comment(
        client,
        form_token(new_article),
        article_id=new_article,
        website=f"{base}/website-new",
        title="A new article",
        url=f"{base}/article-url",
    )
    assert response.status_code == 202, response.text
    posted.ids.append(response.get_json()["id"])
    assert posted.refusals == [] and len(posted.ids) == 3
    approve_all(logged_in, posted.ids)

    pages = [page for _, page in every_page(client, posted.ids[:2])]
    for path in (
        f"/embed/{new_article}",
        f"/embed/{new_article}/fragment",
        f"/api/articles/{new_article}/comments",
        f"/api/counts?article={ARTICLE_ID}&article={new_article}",
        f"/moderation/articles/{new_article}",
        f"/moderation/?article={new_article}",
        "/demo",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        pages.append(response.text)
    assert any(f"{base}/website" in page for page in pages)  # the links are there…
    time.sleep(0.5)  # …and a fetch in the background would have arrived by now.
    assert recorder.requests == []  # type: ignore[attr-defined]


# --- HSTS and a CSP on every page -------------------------------------------------------

# Every GET route, with a URL to request it. A new route fails
# ``test_every_get_route_is_walked`` until it is added here.
ROUTES = {
    "static": "/static/dashboard.css",
    "public.api_comments": f"/api/articles/{ARTICLE_ID}/comments",
    "public.api_counts": f"/api/counts?article={ARTICLE_ID}",
    "public.api_form_token": f"/api/articles/{ARTICLE_ID}/form-token",
    "public.api_openapi": "/api/openapi.json",
    "public.embed_js": "/embed.js",
    "public.versioned_asset": "/v/{digest}/widget.css",
    "public.demo": "/demo",
    "public.embed_page": f"/embed/{ARTICLE_ID}",
    "public.embed_fragment": f"/embed/{ARTICLE_ID}/fragment",
    "public.embed_mine": f"/embed/{ARTICLE_ID}/mine?edit={{edit_token}}",
    "public.article_feed": f"/feeds/articles/{ARTICLE_ID}.atom",
    "public.site_feed": "/feeds/comments.atom",
    "dashboard.articles_view": "/moderation/articles",
    "dashboard.article_view": f"/moderation/articles/{ARTICLE_ID}",
    "dashboard.login": "/moderation/login",
    "dashboard.queue_view": "/moderation/",
    "dashboard.comment_view": "/moderation/comments/{comment_id}",
    "dashboard.log_view": "/moderation/log",
    "dashboard.data_view": "/moderation/data",
    "dashboard.settings_view": "/moderation/settings",
    "dashboard.moderators_view": "/moderation/settings/moderators",
    "dashboard.account_view": "/moderation/account",
    "dashboard.outbox_view": "/moderation/outbox",
    "dashboard.notifications_view": "/moderation/notifications",
    "dashboard.email_action": "/moderation/email/{action_token}",
    "dashboard.invitation_view": "/moderation/invitation/{invitation_token}",
    "public.confirm_address": "/notify/confirm/{confirm_token}",
    "public.unsubscribe": "/notify/unsubscribe/{unsubscribe_token}",
}
PENDING_CSP: dict[str, str] = {}
# The links from mails, with tokens that are no good (a 400 page, headers and all).
NO_TOKENS = {
    "action_token": "x",
    "confirm_token": "x",
    "unsubscribe_token": "x",
    "invitation_token": "x",
}


def test_every_get_route_is_walked(app: Flask) -> None:
    routes = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in (rule.methods or ())}
    assert routes == set(ROUTES)


def route_url(endpoint: str, comment: Comment) -> str:
    from flask import current_app

    from moderation.accounts.models import Moderator
    from moderation.comments.own import issue_edit_token
    from moderation.notify import links
    from moderation.notify.addresses import address_for

    secret = current_app.config["SECRET_KEY"]
    address = address_for(comment.email)
    moderator = db.session.scalars(db.select(Moderator)).first()
    db.session.commit()
    return ROUTES[endpoint].format(
        digest=assets.load("widget.css").digest,
        comment_id=comment.id,
        action_token=links.action_token(
            secret, moderator.id if moderator else 1, comment.id, comment.version, "reject"
        ),
        confirm_token=links.address_token(secret, links.CONFIRM, address.id),
        unsubscribe_token=links.address_token(secret, links.UNSUBSCRIBE, address.id),
        invitation_token=links.sign(
            secret, links.INVITATION, {"email": "invited@example.org", "role": "moderator"}
        ),
        edit_token=issue_edit_token(secret, comment),
    )


@pytest.fixture
def a_comment(make_comment: Callable[..., Comment]) -> Comment:
    return make_comment(Status.APPROVED, body="[a link](https://example.com) and *more*")


def _csp_case(endpoint: str) -> Any:
    if endpoint in PENDING_CSP:
        return pytest.param(
            endpoint, marks=pytest.mark.xfail(strict=True, reason=PENDING_CSP[endpoint])
        )
    return endpoint


@pytest.mark.parametrize("endpoint", [_csp_case(e) for e in ROUTES])
def test_every_html_page_has_a_csp(logged_in: Auth, a_comment: Comment, endpoint: str) -> None:
    client = logged_in.client
    response = client.get(route_url(endpoint, a_comment))
    response.close()
    assert response.status_code == 200 or endpoint == "dashboard.login", (
        endpoint,
        response.status_code,
    )
    if response.mimetype == "text/html":
        assert "Content-Security-Policy" in response.headers, endpoint
        assert "default-src 'none'" in response.headers["Content-Security-Policy"] or (
            "default-src 'self'" in response.headers["Content-Security-Policy"]
        )


def test_the_login_page_logged_out_has_a_csp(client: FlaskClient) -> None:
    response = client.get("/moderation/login")
    assert response.mimetype == "text/html"
    assert "Content-Security-Policy" in response.headers


def error_responses(make_app: Callable[..., Flask], **config: Any) -> Iterator[TestResponse]:
    """An HTML answer for every kind of error: 400, 404 (public, dashboard, bad article
    id), 405, 413, 429 and 500."""
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="1 per minute", **config)

    @app.get("/test-only/crash")
    def crash() -> str:
        raise RuntimeError("a bug")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    client = app.test_client()
    https = {"base_url": "https://localhost"}
    yield client.get("/no-such-page", **https)
    yield client.get("/moderation/no-such-page", **https)
    yield client.get("/embed/" + "x" * 300, **https)
    yield client.get("/embed/bad%20id", **https)
    yield client.get("/moderation/logout", **https)
    yield client.post("/moderation/login", data={"email": "a"}, **https)
    yield client.post(f"/embed/{ARTICLE_ID}", data={"body": "x" * (2 * 1024 * 1024)}, **https)
    token = csrf_from(client.get("/moderation/login", **https).text)
    for _ in range(3):
        last = client.post(
            "/moderation/login",
            data={"email": "a@example.org", "password": "b", "csrf_token": token},
            headers={"Referer": "https://localhost/moderation/login"},  # checked on HTTPS
            **https,
        )
    yield last
    yield client.get("/test-only/crash", **https)


@pytest.mark.server_errors
def test_every_error_page_has_a_csp(make_app: Callable[..., Flask]) -> None:
    statuses = set()
    for response in error_responses(make_app):
        assert response.mimetype == "text/html", (response.status_code, response.mimetype)
        assert "Content-Security-Policy" in response.headers, response.status_code
        statuses.add(response.status_code)
    assert statuses == {400, 404, 405, 413, 429, 500}


@pytest.mark.server_errors
def test_hsts_on_every_response_with_secure_cookies(make_app: Callable[..., Flask]) -> None:
    app = make_app(SECURE_COOKIES=True)
    with app.app_context():
        from moderation import comments as domain

        domain.create_article(ARTICLE_ID, title="A film review", url="https://blog.example/")
        db.session.commit()
    responses = [*error_responses(make_app, SECURE_COOKIES=True)]
    client = app.test_client()
    https = {"base_url": "https://localhost"}
    for endpoint in ROUTES:
        url = ROUTES[endpoint].format(
            digest=assets.load("widget.css").digest, comment_id=1, edit_token="x", **NO_TOKENS
        )
        responses.append(client.get(url, **https))
        responses[-1].close()
    responses.append(client.options(f"/api/articles/{ARTICLE_ID}/comments", **https))
    responses.append(client.post(f"/api/articles/{ARTICLE_ID}/comments", json={}, **https))
    assert len(responses) > 20
    for response in responses:
        assert response.headers.get("Strict-Transport-Security", "").startswith("max-age="), (
            response.request.path,
            response.status_code,
        )
        max_age = int(response.headers["Strict-Transport-Security"].split("=")[1].split(";")[0])
        assert max_age >= 180 * 24 * 60 * 60


@pytest.mark.server_errors
def test_no_hsts_without_secure_cookies(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    client = app.test_client()
    responses = [*error_responses(make_app)]
    for endpoint in ROUTES:
        url = ROUTES[endpoint].format(
            digest=assets.load("widget.css").digest, comment_id=1, edit_token="x", **NO_TOKENS
        )
        responses.append(client.get(url))
        responses[-1].close()
    for response in responses:
        assert "Strict-Transport-Security" not in response.headers
