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
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from moderation.comments.models import BODY_MAX, Article
from moderation.comments.rendering import render_comment

from .conftest import ARTICLE_ID

PACKAGE = Path(__file__).resolve().parent.parent / "moderation"

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


@pytest.mark.parametrize("source", RENDER_BOMBS.values(), ids=RENDER_BOMBS.keys())
def test_render_bombs_take_bounded_time_and_space(source: str) -> None:
    """A safety limit, not a benchmark: each renders within 2 s, and a comment of the
    legal length stores at most 20 times its size in HTML."""
    start = time.perf_counter()
    rendered = render_comment(source)
    elapsed = time.perf_counter() - start
    assert elapsed < 2.0
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
    ("moderation/spam/checks.py", r"https?://|www\."): _pattern(
        "moderation.spam.checks", "LINK_RE"
    ),
    ("moderation/decoding.py", r'"(?:[^"\\]|\\.)*"?'): _pattern(
        "moderation.decoding", "JSON_STRING"
    ),
    ("moderation/decoding.py", r"[\[\]{}]"): _pattern("moderation.decoding", "BRACKET"),
    (
        "moderation/comments/articles.py",
        "f'^[A-Za-z0-9][A-Za-z0-9._-]{{0,{ARTICLE_ID_MAX - 1}}}$'",
    ): _pattern("moderation.comments.articles", "ARTICLE_ID_RE"),
    ("moderation/accounts/login.py", r"([0-9]{1,10}):([0-9]{1,10})"): lambda: re.compile(
        r"([0-9]{1,10}):([0-9]{1,10})"
    ),
}


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
