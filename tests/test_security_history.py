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
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from moderation.comments.models import BODY_MAX, Article, Comment, Status
from moderation.comments.rendering import render_comment
from moderation.extensions import db
from moderation.public import assets

from .conftest import ARTICLE_ID, Auth, csrf_from

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


# --- HSTS and a CSP on every page -------------------------------------------------------

# Every GET route, with a URL to request it. A new route fails
# ``test_every_get_route_is_walked`` until it is added here.
ROUTES = {
    "static": "/static/dashboard.css",
    "public.api_comments": f"/api/articles/{ARTICLE_ID}/comments",
    "public.api_counts": f"/api/counts?article={ARTICLE_ID}",
    "public.api_form_token": f"/api/articles/{ARTICLE_ID}/form-token",
    "public.embed_js": "/embed.js",
    "public.versioned_asset": "/v/{digest}/widget.css",
    "public.demo": "/demo",
    "public.embed_page": f"/embed/{ARTICLE_ID}",
    "public.embed_fragment": f"/embed/{ARTICLE_ID}/fragment",
    "dashboard.articles_view": "/moderation/articles",
    "dashboard.article_view": f"/moderation/articles/{ARTICLE_ID}",
    "dashboard.login": "/moderation/login",
    "dashboard.queue_view": "/moderation/",
    "dashboard.comment_view": "/moderation/comments/{comment_id}",
    "dashboard.log_view": "/moderation/log",
}
PENDING_CSP = {
    "public.embed_fragment": "the fragment's CSP is being added in another branch",
    "public.demo": "the /demo page's CSP is being added in another branch",
}


def test_every_get_route_is_walked(app: Flask) -> None:
    routes = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in (rule.methods or ())}
    assert routes == set(ROUTES)


def route_url(endpoint: str, comment: Comment) -> str:
    return ROUTES[endpoint].format(digest=assets.load("widget.css").digest, comment_id=comment.id)


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
    assert response.status_code == 200 or endpoint == "dashboard.login"
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


def test_every_error_page_has_a_csp(make_app: Callable[..., Flask]) -> None:
    statuses = set()
    for response in error_responses(make_app):
        assert response.mimetype == "text/html", (response.status_code, response.mimetype)
        assert "Content-Security-Policy" in response.headers, response.status_code
        statuses.add(response.status_code)
    assert statuses == {400, 404, 405, 413, 429, 500}


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
        url = ROUTES[endpoint].format(digest=assets.load("widget.css").digest, comment_id=1)
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


def test_no_hsts_without_secure_cookies(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    client = app.test_client()
    responses = [*error_responses(make_app)]
    for endpoint in ROUTES:
        url = ROUTES[endpoint].format(digest=assets.load("widget.css").digest, comment_id=1)
        responses.append(client.get(url))
        responses[-1].close()
    for response in responses:
        assert "Strict-Transport-Security" not in response.headers
