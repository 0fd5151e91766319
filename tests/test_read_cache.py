"""The read cache: a hit is the stored bytes, and no reader ever sees a stale copy, in one
worker or across workers sharing Redis; public answers are cacheable by any proxy."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from moderation import comments as domain
from moderation.comments.models import Article, Comment, Status
from moderation.extensions import cache, db

from .conftest import ARTICLE_ID, TEST_REDIS_URL, Auth
from .helpers import count_queries, free_port

API = f"/api/articles/{ARTICLE_ID}/comments"
FRAGMENT = f"/embed/{ARTICLE_ID}/fragment"
READS = [API, FRAGMENT]
# A page holding every thread counts its comments itself: a page of threads and their
# replies, after the article's row, which holds its version.
UNCACHED_READ = 3


def cold_read(url: str) -> int:
    """A miss's statements: for the list, the fast path reads the version first, then
    Flask the rest; the fragment goes to Flask at once without PUBLIC_URL."""
    return UNCACHED_READ + 1 if url == API else UNCACHED_READ


needs_redis = pytest.mark.skipif(not TEST_REDIS_URL, reason="MODERATION_TEST_REDIS_URL unset")


def body(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def read_statements(app: Flask, url: str) -> tuple[str, int]:
    client = app.test_client()
    with app.app_context(), count_queries(db.engine) as sent:
        text = body(client, url)
    return text, len(sent)


@pytest.mark.parametrize("url", READS)
def test_a_hit_is_the_same_bytes_for_one_primary_key_read(
    app: Flask, client: FlaskClient, make_comment: Callable[..., Comment], url: str
) -> None:
    for n in range(5):
        make_comment(Status.APPROVED, body=f"Cached comment {n}")
    cache.clear()
    cold, cold_statements = read_statements(app, url)
    hit, hit_statements = read_statements(app, url)
    assert hit == cold and "Cached comment 4" in hit
    # With Redis, the version itself is kept there too: a hit reads no database at all.
    assert (cold_statements, hit_statements) == (cold_read(url), 0 if TEST_REDIS_URL else 1)


@needs_redis
@pytest.mark.parametrize("url", READS)
def test_with_redis_a_change_is_seen_at_once_though_the_version_is_kept_there(
    app: Flask, make_comment: Callable[..., Comment], url: str
) -> None:
    comment = make_comment(Status.PENDING, body="Not yet shown")
    cache.clear()
    before, _ = read_statements(app, url)
    assert read_statements(app, url) == (before, 0)
    domain.approve(comment)
    db.session.commit()  # the commit forgets the version Redis kept
    after, statements = read_statements(app, url)
    assert "Not yet shown" in after and statements == cold_read(url)
    assert read_statements(app, url) == (after, 0)
    # A transaction rolled back changes nothing, and leaves nothing to forget.
    domain.reject(comment)
    db.session.rollback()
    assert read_statements(app, url) == (after, 0)


@pytest.mark.parametrize("url", READS)
def test_without_the_cache_every_read_renders(make_app: Callable[..., Flask], url: str) -> None:
    app = make_app(READ_CACHE=False)
    with app.app_context():
        article = domain.create_article(ARTICLE_ID, title="T")
        domain.approve(domain.submit_comment(article, domain.Submission("N", "n@x.org", "", "Hi")))
        db.session.commit()
    assert read_statements(app, url)[1] == read_statements(app, url)[1] == UNCACHED_READ


def test_the_fast_path_reads_the_version_the_views_compute(
    app: Flask, make_comment: Callable[..., Comment]
) -> None:
    """The fast path reads the version with a bare driver cursor: it must give the token
    the views key the cache by (else no read would ever hit), follow every change, and
    fail as SQLAlchemy would for a database in trouble (the error pages know those)."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from moderation.public.fastpath import VersionReader

    comment = make_comment(Status.PENDING)
    reader = VersionReader(db.engine)
    first = reader(ARTICLE_ID)
    assert first is not None and first == domain.public_version(ARTICLE_ID)
    assert reader("no-such-article") is None
    domain.approve(comment)
    db.session.commit()
    assert reader(ARTICLE_ID) == domain.public_version(ARTICLE_ID) != first
    db.session.execute(text("ALTER TABLE article RENAME TO article_away"))
    db.session.commit()
    try:
        with pytest.raises(DBAPIError):
            reader(ARTICLE_ID)
    finally:
        db.session.execute(text("ALTER TABLE article_away RENAME TO article"))
        db.session.commit()
    assert reader(ARTICLE_ID) == domain.public_version(ARTICLE_ID)


def moderate_through_the_dashboard(auth: Auth, comment: Comment, action: str) -> None:
    response = auth.post(
        f"/moderation/comments/{comment.id}/{action}", data={"version": comment.version}
    )
    assert response.status_code in (200, 302, 303), response.status_code


CHANGES: dict[str, Callable[[Comment, Article], str]] = {}
CURRENT_URL = [""]


def none_left() -> str:
    return "0 comments" if "fragment" in CURRENT_URL[0] else '"count":0'


def change(name: str) -> Callable[[Callable[[Comment, Article], str]], None]:
    def register(function: Callable[[Comment, Article], str]) -> None:
        CHANGES[name] = function

    return register


@change("approve")
def _approve(comment: Comment, article: Article) -> str:
    domain.approve(comment)
    return comment.body


@change("reject")
def _reject(comment: Comment, article: Article) -> str:
    domain.reject(comment)
    return none_left()


@change("edit")
def _edit(comment: Comment, article: Article) -> str:
    domain.edit_comment(comment, "Corrected *text*", None)
    return "<em>text</em>"


@change("delete")
def _delete(comment: Comment, article: Article) -> str:
    domain.delete_comment(comment, None)
    return none_left()


@change("site reply")
def _site_reply(comment: Comment, article: Article) -> str:
    from moderation.accounts.models import Moderator
    from moderation.accounts.passwords import hash_password

    moderator = Moderator(email="m@example.com", password_hash=hash_password("x" * 12))
    db.session.add(moderator)
    db.session.flush()
    domain.moderator_reply(comment, moderator, "Thanks from the site")
    return "Thanks from the site"


@change("close")
def _close(comment: Comment, article: Article) -> str:
    domain.close_article(article, True)
    return "Comments are closed" if "fragment" in CURRENT_URL[0] else '"closed":true'


@change("title")
def _title(comment: Comment, article: Article) -> str:
    domain.edit_article(article, title="A brand new title", url=article.url)
    return "A brand new title"


@pytest.mark.parametrize("url", READS)
@pytest.mark.parametrize("name", list(CHANGES))
def test_every_change_readers_see_shows_on_the_next_read(
    client: FlaskClient,
    article: Article,
    make_comment: Callable[..., Comment],
    name: str,
    url: str,
) -> None:
    # Every change but approving starts from a published comment.
    status = Status.PENDING if name == "approve" else Status.APPROVED
    comment = make_comment(status, body="The comment under test")
    CURRENT_URL[0] = url
    before = body(client, url)
    assert body(client, url) == before  # from the cache now
    expected = CHANGES[name](comment, article)
    db.session.commit()
    after = body(client, url)
    assert after != before and expected in after


@needs_redis
@pytest.mark.parametrize("url", READS)
def test_two_workers_sharing_redis_never_serve_a_stale_copy(
    make_app: Callable[..., Flask], url: str
) -> None:
    one, other = make_app(REDIS_URL=TEST_REDIS_URL), make_app(REDIS_URL=TEST_REDIS_URL)
    with one.app_context():
        article = domain.create_article(ARTICLE_ID, title="Shared")
        comment = domain.submit_comment(
            article, domain.Submission("Ann", "ann@example.org", "", "Waiting in the queue")
        )
        db.session.commit()
        comment_id = comment.id
    # The other worker renders and stores the page; the first one serves it from Redis.
    stored, _ = read_statements(other, url)
    assert "Waiting in the queue" not in stored
    assert redis.Redis.from_url(TEST_REDIS_URL).keys("mc:*")
    served, statements = read_statements(one, url)
    assert served == stored and statements == 0  # the version too is in Redis
    # Approved in the first worker: the other one shows it on its next read.
    with one.app_context():
        pending = db.session.get(Comment, comment_id)
        assert pending is not None
        domain.approve(pending)
        db.session.commit()
    after, statements = read_statements(other, url)
    assert "Waiting in the queue" in after and statements == cold_read(url)
    assert read_statements(one, url) == (after, 0)


def test_a_redis_that_is_down_costs_a_render_not_a_request(
    make_app: Callable[..., Flask], caplog: pytest.LogCaptureFixture
) -> None:
    from moderation.public import caching

    app = make_app(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    with app.app_context():
        article = domain.create_article(ARTICLE_ID, title="T")
        domain.approve(domain.submit_comment(article, domain.Submission("N", "n@x.org", "", "Hi")))
        db.session.commit()
    client = app.test_client()
    caplog.set_level(logging.WARNING)
    try:
        for url in READS * 2:
            assert "Hi" in body(client, url)
        assert "The read cache failed (ConnectionError)" in caplog.text
    finally:
        caching._skip_until = 0.0


# --- what proxies may do with the answers ------------------------------------------


def test_public_reads_say_how_long_any_cache_may_keep_them(
    make_app: Callable[..., Flask], client: FlaskClient, article: Article
) -> None:
    for url in [*READS, f"/api/counts?article={ARTICLE_ID}"]:
        response = client.get(url)
        assert response.headers["Cache-Control"] == (
            "public, max-age=10, stale-while-revalidate=60"
        )
        again = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304
        assert again.headers["Cache-Control"] == response.headers["Cache-Control"]
    strict = make_app(PUBLIC_MAX_AGE=0, PUBLIC_STALE_WHILE_REVALIDATE=0).test_client()
    assert strict.get(API).headers["Cache-Control"] == "public, no-cache"


def example_url(rule: str, article_id: str, comment_id: int) -> str:
    values = {
        "article_id": article_id,
        "comment_id": comment_id,
        "digest": "0" * 12,
        "name": "widget.css",
        "token": "not-a-token",
    }
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), rule)


def test_no_public_route_varies_on_the_cookie_or_touches_the_session(
    app: Flask,
    client: FlaskClient,
    logged_in: Auth,
    make_comment: Callable[..., Comment],
    form_token: Callable[..., str],
) -> None:
    comment = make_comment(Status.APPROVED)
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("public.")]
    assert len(rules) >= 8
    seen = set()
    # A reader without a cookie, and a moderator reading the blog while logged in.
    for reader in (client, logged_in.client):
        for rule in rules:
            url = example_url(rule.rule, ARTICLE_ID, comment.id)
            methods = sorted((rule.methods or set()) - {"HEAD"})
            for method in methods:
                data = {"token": form_token(), "name": "N", "email": "n@x.org", "body": "B"}
                response = reader.open(
                    url,
                    method=method,
                    data=data if method == "POST" else None,
                    headers={"Origin": "http://blog.example"},
                )
                assert response.status_code < 500
                where = f"{method} {url} ({response.status_code})"
                assert "cookie" not in response.headers.get("Vary", "").lower(), where
                assert "Set-Cookie" not in response.headers, where
                seen.add(rule.endpoint)
    assert {"public.api_comments", "public.embed_fragment", "public.embed_js"} <= seen


def answer(response: Any) -> tuple[int, bytes, dict[str, str]]:
    headers = {k: v for k, v in response.headers.items() if k != "X-Request-Id"}
    return response.status_code, response.data, headers


@pytest.mark.parametrize("url", READS)
@pytest.mark.parametrize("origin", ["http://blog.example", "http://elsewhere.example", None])
def test_the_fast_path_answers_exactly_as_flask_does(
    make_app: Callable[..., Flask], url: str, origin: str | None
) -> None:
    app = make_app(PUBLIC_URL="http://comments.example")
    with app.app_context():
        article = domain.create_article(ARTICLE_ID, title="Fast")
        for n in range(3):
            comment = domain.submit_comment(
                article, domain.Submission(f"N{n}", f"n{n}@x.org", "", f"Comment {n}")
            )
            domain.approve(comment)
        db.session.commit()
    client = app.test_client()
    asked = {"Origin": origin} if origin else {}
    base = "http://comments.example"
    by_flask = client.get(url, headers=asked, base_url=base)
    if "fragment" in url and origin == "http://elsewhere.example":
        # Another site's page gets no comments, not even once they are kept: Flask's 403.
        assert by_flask.status_code == 403
        assert client.get(url, base_url=base).status_code == 200  # kept now
        assert client.get(url, headers=asked, base_url=base).status_code == 403
        return
    etag = by_flask.headers["ETag"]
    flask_304 = client.get(url, headers={**asked, "If-None-Match": etag}, base_url=base)
    # From now on Flask's view would fail: every answer below is the fast path's.
    endpoint = "public.api_comments" if "api" in url else "public.embed_fragment"
    view = app.view_functions[endpoint]
    app.view_functions[endpoint] = lambda **kw: pytest.fail("Flask rendered it")
    try:
        fast = client.get(url, headers=asked, base_url=base)
        fast_304 = client.get(url, headers={**asked, "If-None-Match": etag}, base_url=base)
        weak_304 = client.get(url, headers={**asked, "If-None-Match": f"W/{etag}"}, base_url=base)
    finally:
        app.view_functions[endpoint] = view
    assert answer(fast) == answer(by_flask) and fast.status_code == 200
    assert answer(fast_304) == answer(flask_304) == answer(weak_304)
    assert fast_304.status_code == 304 and fast_304.data == b""
    assert fast.headers["X-Request-Id"] != by_flask.headers["X-Request-Id"]
    allowed = origin == "http://blog.example"
    assert fast.headers.get("Access-Control-Allow-Origin") == (origin if allowed else None)
    assert "X-Read-Cache-Store" not in by_flask.headers


def test_the_fast_path_leaves_to_flask_what_it_does_not_know(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(PUBLIC_URL="http://comments.example")
    with app.app_context():
        domain.create_article(ARTICLE_ID, title="Fast")
        db.session.commit()
    client = app.test_client()
    base = "http://comments.example"
    for url in READS:
        assert client.get(url, base_url=base).status_code == 200  # stored
    view = app.view_functions["public.embed_fragment"]
    calls: list[str] = []

    def counted(**kw: Any) -> Any:
        calls.append(kw["article_id"])
        return view(**kw)

    app.view_functions["public.embed_fragment"] = counted
    client.get(FRAGMENT + "?reply_to=1", base_url=base)  # the form opens as a reply
    client.get("/embed/not-created-yet/fragment", base_url=base)  # a new article
    client.get(FRAGMENT, headers={"If-None-Match": "*"}, base_url=base)
    client.head(FRAGMENT, base_url=base)
    assert calls == [ARTICLE_ID, "not-created-yet", ARTICLE_ID, ARTICLE_ID]
    client.get(FRAGMENT, base_url=base)
    assert len(calls) == 4  # the plain read: the fast path


@pytest.mark.parametrize("settings", [{}, {"READ_CACHE": False}])
def test_the_store_mark_never_reaches_a_client(
    make_app: Callable[..., Flask], settings: dict[str, Any]
) -> None:
    app = make_app(PUBLIC_URL="http://comments.example", **settings)
    with app.app_context():
        domain.create_article(ARTICLE_ID, title="Fast")
        db.session.commit()
    client = app.test_client()
    for url in READS:
        for method in ("GET", "HEAD", "GET", "OPTIONS"):
            response = client.open(url, method=method, base_url="http://comments.example")
            assert "X-Read-Cache-Store" not in response.headers, (method, url)
