"""The pages that list comments run a fixed number of SQL statements, however many
comments, replies, site replies and articles there are: no query per comment."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask

from moderation import comments as domain
from moderation.accounts.models import Moderator
from moderation.comments.models import Article, Comment, Status
from moderation.extensions import cache, db

from .conftest import ARTICLE_ID, TEST_REDIS_URL, Auth
from .helpers import count_queries

PAGES = [
    f"/api/articles/{ARTICLE_ID}/comments",
    f"/embed/{ARTICLE_ID}/fragment",
    "/moderation/",
    "/moderation/?status=all",
    "/moderation/?status=approved",
    "/moderation/articles",
    "/moderation/log",
    f"/moderation/articles/{ARTICLE_ID}",
]


def add_conversations(
    make_comment: Callable[..., Comment], make_moderator: Callable[..., Moderator], rounds: int
) -> None:
    """Each round: a comment, a reply to it, a site reply (from a new moderator), a pending
    reply, and a comment on another article (a new one each round)."""
    for _ in range(rounds):
        top = make_comment(Status.APPROVED)
        reply = make_comment(Status.APPROVED, parent=top)
        n = db.session.scalar(db.select(db.func.count()).select_from(Moderator))
        domain.moderator_reply(reply, make_moderator(f"mod{n}@example.com"), "Thank you!")
        db.session.commit()
        make_comment(Status.PENDING, parent=top)
        count = db.session.scalar(db.select(db.func.count()).select_from(Article))
        other = domain.create_article(f"other-{count}")
        db.session.commit()
        make_comment(Status.PENDING, article_id=other.id)


def statements(auth: Auth, url: str, *, cold: bool = True) -> list[str]:
    if cold:  # render, rather than answer from the read cache
        cache.clear()
    with count_queries(db.engine) as sent:
        response = auth.client.get(url)
    assert response.status_code == 200, url
    return sent


@pytest.mark.parametrize("url", PAGES)
def test_the_number_of_statements_does_not_grow_with_the_comments(
    app: Flask,
    logged_in: Auth,
    make_comment: Callable[..., Comment],
    make_moderator: Callable[..., Moderator],
    url: str,
) -> None:
    add_conversations(make_comment, make_moderator, 1)
    statements(logged_in, url)  # warm up once
    few = statements(logged_in, url)
    add_conversations(make_comment, make_moderator, 9)
    assert db.session.scalar(db.select(db.func.count()).select_from(Comment)) == 50
    many = statements(logged_in, url)
    assert len(many) == len(few), "\n\n".join(many)


# A miss: the fast path reads the version, then Flask the article's row, a page of
# threads and their replies (a page holding every thread counts the comments itself).
# Without PUBLIC_URL the fragment goes to Flask at once, which reads the version with
# the rest of the article's row.
@pytest.mark.parametrize(("url", "cold_statements"), [(PAGES[0], 4), (PAGES[1], 3)])
def test_a_read_cache_hit_is_one_primary_key_read(
    app: Flask,
    logged_in: Auth,
    make_comment: Callable[..., Comment],
    make_moderator: Callable[..., Moderator],
    url: str,
    cold_statements: int,
) -> None:
    add_conversations(make_comment, make_moderator, 3)
    cold = statements(logged_in, url)
    assert len(cold) == cold_statements, "\n\n".join(cold)
    hit = statements(logged_in, url, cold=False)
    if TEST_REDIS_URL:  # the version itself is kept in Redis: no statement at all
        assert hit == []
    else:
        assert len(hit) == 1 and "article.version" in hit[0] and "WHERE article.id" in hit[0]


@pytest.mark.parametrize("url", PAGES[:2])
def test_without_the_read_cache_the_article_and_its_version_are_one_read(
    app: Flask,
    make_comment: Callable[..., Comment],
    make_moderator: Callable[..., Moderator],
    url: str,
) -> None:
    app.config["READ_CACHE"] = False  # read by the fast path on the first request
    add_conversations(make_comment, make_moderator, 3)
    client = app.test_client()
    with count_queries(db.engine) as sent:
        response = client.get(url)
    assert response.status_code == 200 and "Comment number" in response.text
    # The article's row (its version among its columns), a page of threads, their
    # replies.
    assert len(sent) == 3, "\n\n".join(sent)
    assert "article.version" in sent[0] and "article.title" in sent[0]


def test_a_posted_comment_is_answered_without_reading_it_back(
    app: Flask, article: Article, client: object, form_token: Callable[[], str]
) -> None:
    from flask.testing import FlaskClient

    from .helpers import post_comment

    assert isinstance(client, FlaskClient)
    post_comment(client, form_token())  # the first post makes the spam settings' row
    with count_queries(db.engine) as sent:
        response = post_comment(client, form_token(), body="Second *thoughts*.")
    assert response.status_code == 202
    # What a post reads and writes, each once; nothing of the comment after the commit.
    assert [_verb_and_table(s) for s in sent] == [
        ("SELECT", "article"),
        ("SELECT", "comment"),  # the duplicate check
        ("SELECT", "spam_filter_totals"),
        ("SELECT", "spam_settings"),
        ("INSERT INTO", "comment"),
        ("INSERT INTO", "spent_token"),
        ("INSERT INTO", "outbox_message"),
    ], "\n\n".join(sent)
    # The answer is what was stored.
    answer = response.get_json()
    stored = db.session.get(Comment, answer["id"])
    assert stored is not None and stored.status == Status.PENDING
    assert answer["comment"] == domain.public_comment(stored)
    assert "<em>thoughts</em>" in answer["comment_html"]


def _verb_and_table(statement: str) -> tuple[str, str]:
    found = re.match(
        r"SELECT\b.*?\bFROM (\w+)|(INSERT INTO|UPDATE|DELETE FROM) (\w+)", statement, re.S
    )
    assert found, statement
    return ("SELECT", found[1]) if found[1] else (found[2], found[3])
