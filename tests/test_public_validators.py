"""The public read path's validators: what makes a reader's copy current, and what not."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text
from werkzeug.test import TestResponse

from moderation import comments as domain
from moderation.accounts.models import Moderator
from moderation.comments.models import Article, Comment, Status
from moderation.extensions import db
from moderation.public import assets

from .conftest import TEST_REDIS_URL
from .helpers import count_queries, post_comment

API = "/api/articles/a-film-review/comments"
FRAGMENT = "/embed/a-film-review/fragment"
COUNTS = "/api/counts?article=a-film-review"


def _weak(etag: str) -> str:
    """The validator as a compressing proxy (nginx's gzip) hands it on."""
    return etag if etag.startswith("W/") else "W/" + etag


@pytest.mark.parametrize("url", [API, FRAGMENT, COUNTS, "/embed.js", "pinned-css"])
def test_a_weak_validator_from_a_compressing_proxy_still_gets_a_304(
    client: FlaskClient, make_comment: Callable[..., Comment], url: str
) -> None:
    make_comment(Status.APPROVED)
    if url == "pinned-css":
        url = f"/v/{assets.load('widget.css').digest}/widget.css"
    first = client.get(url)
    assert first.status_code == 200 and first.headers["ETag"]
    again = client.get(url, headers={"If-None-Match": _weak(first.headers["ETag"])})
    assert again.status_code == 304
    assert not again.get_data()


def _get(client: FlaskClient, url: str, etag: str | None = None) -> TestResponse:
    return client.get(url, headers={"If-None-Match": etag} if etag else {})


class Scene:
    """An article with a published and a pending comment, and a moderator."""

    def __init__(self, article: Article, published: Comment, pending: Comment, mod: Moderator):
        self.article, self.published, self.pending, self.mod = article, published, pending, mod


def _edit_title(s: Scene) -> object:
    return domain.edit_article(s.article, title="A film review, revised", url=s.article.url)


CHANGES: dict[str, Callable[[Scene], object]] = {
    "approval": lambda s: domain.approve(s.pending, s.mod),
    "withdrawal": lambda s: domain.reject(s.published, s.mod),
    "edit": lambda s: domain.edit_comment(s.published, "A *better* film.", s.mod),
    "deletion": lambda s: domain.delete_comment(s.published, s.mod),
    "site reply": lambda s: domain.moderator_reply(s.published, s.mod, "Thank you!"),
    "title change": _edit_title,
    "closing": lambda s: domain.close_article(s.article, True, s.mod),
}


@pytest.mark.parametrize("url", [API, FRAGMENT])
@pytest.mark.parametrize("change", list(CHANGES))
def test_every_change_readers_see_makes_a_new_validator(
    client: FlaskClient,
    article: Article,
    make_comment: Callable[..., Comment],
    moderator: Moderator,
    change: str,
    url: str,
) -> None:
    scene = Scene(
        article,
        make_comment(Status.APPROVED),
        make_comment(Status.PENDING, body="Waiting for a moderator."),
        moderator,
    )
    first = _get(client, url)
    before = first.get_data(as_text=True)
    assert _get(client, url, first.headers["ETag"]).status_code == 304

    CHANGES[change](scene)
    db.session.commit()

    after = _get(client, url, first.headers["ETag"])
    assert after.status_code == 200
    assert after.headers["ETag"] != first.headers["ETag"]
    assert after.get_data(as_text=True) != before
    assert _get(client, url, after.headers["ETag"]).status_code == 304


@pytest.mark.parametrize("url", [API, FRAGMENT])
def test_a_comment_awaiting_moderation_keeps_readers_copies_current(
    client: FlaskClient, article: Article, form_token: Callable[..., str], url: str
) -> None:
    first = _get(client, url)
    assert post_comment(client, form_token()).status_code == 202
    assert _get(client, url, first.headers["ETag"]).status_code == 304


@pytest.mark.parametrize("url", [API, FRAGMENT])
def test_revalidating_an_unchanged_thread_is_one_sql_statement(
    client: FlaskClient, make_comment: Callable[..., Comment], url: str
) -> None:
    for _ in range(3):
        make_comment(Status.APPROVED)
    etag = _get(client, url).headers["ETag"]
    with count_queries(db.engine) as statements:
        response = _get(client, url, etag)
    assert response.status_code == 304
    # With Redis the article's version is kept there too: no statement at all.
    assert len(statements) == (0 if TEST_REDIS_URL else 1), statements


@pytest.mark.parametrize("url", [API, FRAGMENT])
def test_tracking_parameters_do_not_change_an_existing_articles_validator(
    client: FlaskClient, article: Article, url: str
) -> None:
    plain = _get(client, url).headers["ETag"]
    page = "http://blog.example/review"
    with_url = _get(client, f"{url}?{urlencode({'url': page})}")
    tracked = f"{url}?{urlencode({'url': page + '?utm_source=x', 'utm_source': 'x'})}"
    assert with_url.headers["ETag"] == plain
    assert _get(client, tracked).headers["ETag"] == plain
    assert _get(client, tracked, plain).status_code == 304


@pytest.mark.parametrize("kind", ["comments", "fragment"])
def test_an_article_not_created_yet_shows_and_validates_what_the_query_names(
    client: FlaskClient, kind: str
) -> None:
    url = "/api/articles/new-post/comments" if kind == "comments" else "/embed/new-post/fragment"
    page = "&url=http%3A%2F%2Fblog.example%2Fnew-post"
    first = _get(client, url + "?title=First+title" + page)
    assert first.status_code == 200 and "First title" in first.get_data(as_text=True)
    other = _get(client, url + "?title=Second+title" + page, first.headers["ETag"])
    assert other.status_code == 200 and "Second title" in other.get_data(as_text=True)
    assert other.headers["ETag"] != first.headers["ETag"]


def test_concurrent_changes_each_bump_the_version(article: Article) -> None:
    assert article.version == 1
    # Another request publishes a comment and commits while this one holds the article.
    with db.engine.begin() as other:
        other.execute(
            text("UPDATE article SET version = version + 1 WHERE id = :id"), {"id": article.id}
        )
    domain.close_article(article, True)
    db.session.commit()
    assert db.session.scalar(select(Article.version).where(Article.id == article.id)) == 3


@pytest.mark.parametrize("path", [API, FRAGMENT])
def test_if_none_match_any_is_no_304_for_an_article_that_is_not_there(
    make_app: Callable[..., Flask], path: str
) -> None:
    """``If-None-Match: *`` matches a current copy only (RFC 9110, 13.1.2): an id that
    cannot exist, or an unknown article that will not be created, still answers 404."""
    client = make_app(AUTO_CREATE_ARTICLES=False).test_client()
    for article_id in ("no-such-article", "bad%20id"):
        url = path.replace("a-film-review", article_id)
        assert client.get(url, headers={"If-None-Match": "*"}).status_code == 404


def test_if_none_match_any_is_a_304_for_an_article_readers_see(
    client: FlaskClient, make_comment: Callable[..., Comment]
) -> None:
    make_comment(Status.APPROVED)
    for url in (API, FRAGMENT, "/api/articles/not-written-yet/comments"):
        assert client.get(url, headers={"If-None-Match": "*"}).status_code == 304
    invalid = client.get("/api/articles/bad%20id/comments", headers={"If-None-Match": "*"})
    assert invalid.status_code == 404
