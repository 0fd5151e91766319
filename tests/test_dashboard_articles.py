"""The dashboard after an import of many articles: pages and searches, never everything."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from moderation import comments as domain
from moderation.comments.models import Article, Comment, Status
from moderation.dashboard.queries import ARTICLE_SUGGESTIONS, ARTICLES_PER_PAGE
from moderation.extensions import db

from .conftest import Auth

MANY = 300


@pytest.fixture
def many_articles(article: Article) -> list[str]:
    """The review, then 300 imported articles."""
    ids = [f"imported-{n:03}" for n in range(1, MANY + 1)]
    for n, article_id in enumerate(ids, start=1):
        title = "Miracle in Cell No. 7" if n == 123 else f"Imported post {n}"
        domain.create_article(article_id, title=title, url=f"/posts/{n}")
    db.session.commit()
    return ids


def rows(html: str) -> list[str]:
    """The article ids listed on the articles page."""
    return re.findall(r'<span class="muted">([^<]+)</span></td>', html)


def test_the_queue_does_not_list_every_article(
    logged_in: Auth, many_articles: list[str], make_comment: Callable[..., Comment]
) -> None:
    html = logged_in.client.get("/moderation/").text
    offered = re.findall(r'<option value="(imported-\d+)"', html)
    assert 0 < len(offered) <= ARTICLE_SUGGESTIONS
    suggestions = html.split("<datalist", 1)[1].split("</datalist>", 1)[0]
    assert suggestions.count("<option") == len(offered)


def test_the_queue_still_filters_by_any_article(
    logged_in: Auth, many_articles: list[str], make_comment: Callable[..., Comment]
) -> None:
    make_comment(body="On the review")
    make_comment(body="On an old import", article_id="imported-001")
    html = logged_in.client.get("/moderation/?article=imported-001").text
    assert "On an old import" in html and "On the review" not in html
    assert 'id="article" name="article" value="imported-001"' in html


def test_the_articles_page_shows_one_page_and_a_next_link(
    logged_in: Auth, many_articles: list[str]
) -> None:
    first = logged_in.client.get("/moderation/articles").text
    assert len(rows(first)) == ARTICLES_PER_PAGE
    assert f"1–{ARTICLES_PER_PAGE} of {MANY + 1}" in first
    assert 'rel="next" href="/moderation/articles?page=2"' in first
    second = logged_in.client.get("/moderation/articles?page=2").text
    assert len(rows(second)) == ARTICLES_PER_PAGE
    assert not set(rows(first)) & set(rows(second))
    last = logged_in.client.get("/moderation/articles?page=7").text
    assert rows(last) == ["a-film-review"]  # the oldest comes last
    assert 'rel="next"' not in last


def test_the_articles_page_finds_an_article_by_title_or_id(
    logged_in: Auth, many_articles: list[str]
) -> None:
    by_title = logged_in.client.get("/moderation/articles?q=miracle+cell").text
    assert rows(by_title) == ["imported-123"]
    assert "Miracle in Cell No. 7" in by_title
    by_id = logged_in.client.get("/moderation/articles?q=imported-29").text
    assert sorted(rows(by_id)) == [f"imported-{n}" for n in range(290, 300)]
    none = logged_in.client.get("/moderation/articles?q=no+such+thing").text
    assert rows(none) == [] and "No article matches." in none


def test_searches_page_with_the_search_kept(logged_in: Auth, many_articles: list[str]) -> None:
    html = logged_in.client.get("/moderation/articles?q=imported").text
    assert 'rel="next" href="/moderation/articles?q=imported&amp;page=2"' in html


def test_an_article_row_leads_to_its_comments_in_the_queue(
    logged_in: Auth, make_comment: Callable[..., Comment]
) -> None:
    make_comment()
    make_comment(Status.APPROVED)
    html = logged_in.client.get("/moderation/articles").text
    assert '<a href="/moderation/?status=all&amp;article=a-film-review">2<' in html
