"""Odd input in the dashboard: a clear 4xx, never a 500."""

from collections.abc import Callable

import pytest

from moderation import comments as domain
from moderation.accounts.models import Moderator
from moderation.comments.models import Article, Comment
from moderation.core.text import safe_link
from moderation.extensions import db

from .conftest import MODERATOR_PASSWORD, Auth


@pytest.mark.parametrize("comment_id", ["2147483648", "99999999999999999999"])
def test_huge_comment_ids_are_404(logged_in: Auth, comment_id: str) -> None:
    assert logged_in.client.get(f"/moderation/comments/{comment_id}").status_code == 404
    response = logged_in.post(f"/moderation/comments/{comment_id}/approve", {"version": "1"})
    assert response.status_code == 404


@pytest.mark.parametrize("selected", ["²", "1:²", "99999999999999999999", "1:99999999999999999999"])
def test_unreadable_bulk_selections_are_refused(
    logged_in: Auth, make_comment: Callable[..., Comment], selected: str
) -> None:
    make_comment()
    response = logged_in.post(
        "/moderation/bulk",
        {"action": "approve", "selected": selected},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 400


def test_huge_versions_are_refused(logged_in: Auth, make_comment: Callable[..., Comment]) -> None:
    comment = make_comment()
    response = logged_in.post(
        f"/moderation/comments/{comment.id}/approve",
        {"version": "99999999999999999999"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 400


def test_nul_in_the_login_email_is_an_ordinary_failure(auth: Auth, moderator: Moderator) -> None:
    response = auth.login(email="mod\x00@example.com", password=MODERATOR_PASSWORD)
    assert response.status_code == 401
    assert "email or the password is wrong" in response.text


def test_nul_in_the_search_is_ignored(
    logged_in: Auth, make_comment: Callable[..., Comment]
) -> None:
    make_comment(name="Findme")
    response = logged_in.client.get("/moderation/?q=Find%00me")
    assert response.status_code == 200


def test_control_characters_in_an_article_title_are_refused(
    logged_in: Auth, article: Article
) -> None:
    response = logged_in.post(
        f"/moderation/articles/{article.id}", {"title": "A\x00B", "url": "/posts/a"}
    )
    assert response.status_code == 400
    assert db.session.get(Article, article.id).title == "A film review"  # type: ignore[union-attr]


@pytest.mark.parametrize("url", ["//evil.example/login", "/\\evil.example", "javascript:alert(1)"])
def test_article_addresses_elsewhere_are_refused(
    logged_in: Auth, article: Article, url: str
) -> None:
    response = logged_in.post(f"/moderation/articles/{article.id}", {"title": "T", "url": url})
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("https://blog.example/a", "https://blog.example/a"),
        ("/posts/a", "/posts/a"),
        ("//evil.example/login", ""),
        ("/\\evil.example", ""),
        ("javascript:alert(1)", ""),
        ("JAVASCRIPT:alert(1)", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_href_only_lets_safe_links_through(url: str | None, safe: str) -> None:
    assert safe_link(url) == safe


def test_a_stored_foreign_link_is_not_rendered(
    logged_in: Auth, make_comment: Callable[..., Comment]
) -> None:
    make_comment()
    article = domain.get_article("a-film-review")
    assert article is not None
    article.url = "//evil.example/moderation/login"  # as an older version might have stored it
    db.session.commit()
    page = logged_in.client.get("/moderation/").text
    assert "//evil.example" not in page
