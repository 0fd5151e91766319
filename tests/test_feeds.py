"""Atom feeds of published comments, read back with a real feed parser."""

from __future__ import annotations

from collections.abc import Callable

import feedparser
from flask.testing import FlaskClient

from moderation import comments as domain
from moderation.comments.models import Article, Comment, Status
from moderation.extensions import db

from .conftest import ARTICLE_ID

FEED = f"/feeds/articles/{ARTICLE_ID}.atom"


def parse(response: object) -> feedparser.FeedParserDict:
    feed = feedparser.parse(response.get_data())  # type: ignore[attr-defined]
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def test_an_article_feed_is_valid_atom_with_names_permalinks_and_safe_html(
    client: FlaskClient, make_comment: Callable[..., Comment]
) -> None:
    shown = make_comment(
        Status.APPROVED,
        name="Min-jun <b>Kim</b>",
        email="unique-feed-reader@example.org",
        body="A *great* film <script>alert(1)</script> & more",
    )
    make_comment(Status.PENDING, body="Not yet published")
    response = client.get(FEED)
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    text = response.get_data(as_text=True)
    assert "unique-feed-reader" not in text and "Not yet published" not in text
    feed = parse(response)
    assert feed.feed.title == "Comments on A film review"
    assert feed.feed.links[0].href == f"http://localhost{FEED}"
    (entry,) = feed.entries
    assert entry.author == "Min-jun <b>Kim</b>"
    assert entry.link == f"http://blog.example/review#comment-{shown.id}"
    assert entry.updated_parsed and entry.published_parsed
    html = entry.content[0].value
    assert "<em>great</em>" in html and "<script" not in html


def test_the_site_feed_lists_every_article_newest_first(
    client: FlaskClient, make_comment: Callable[..., Comment], article: Article
) -> None:
    other = domain.create_article("another-film")
    db.session.commit()
    first = make_comment(Status.APPROVED, body="On the review")
    second = make_comment(Status.APPROVED, body="On another film", article_id=other.id)
    feed = parse(client.get("/feeds/comments.atom"))
    assert [e.link for e in feed.entries] == [
        f"http://localhost/embed/another-film?comment={second.id}#comment-{second.id}",
        f"http://blog.example/review#comment-{first.id}",
    ]
    assert feed.entries[0].title == "Reader on another-film"


def test_feeds_answer_conditional_gets_and_change_with_the_comments(
    client: FlaskClient, make_comment: Callable[..., Comment]
) -> None:
    for url in (FEED, "/feeds/comments.atom"):
        first = client.get(url)
        assert first.headers["Cache-Control"] == "no-cache"
        etag = first.headers["ETag"]
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
        comment = make_comment(Status.PENDING)
        domain.approve(comment)
        db.session.commit()
        changed = client.get(url, headers={"If-None-Match": etag})
        assert changed.status_code == 200 and comment.body in changed.get_data(as_text=True)


def test_feeds_of_unknown_or_invalid_articles(client: FlaskClient, make_app: Callable) -> None:
    assert parse(client.get("/feeds/articles/not-yet.atom")).entries == []
    assert client.get("/feeds/articles/bad%20id.atom").status_code == 404
    strict = make_app(AUTO_CREATE_ARTICLES=False).test_client()
    assert strict.get("/feeds/articles/nope.atom").status_code == 404


def test_the_embed_page_names_its_feed(client: FlaskClient, article: Article) -> None:
    page = client.get(f"/embed/{ARTICLE_ID}").get_data(as_text=True)
    assert (
        f'<link rel="alternate" type="application/atom+xml" title="Comments feed" href="{FEED}">'
        in page
    )
    fragment = client.get(f"/embed/{ARTICLE_ID}/fragment").get_data(as_text=True)
    assert f'href="http://localhost{FEED}"' in fragment
