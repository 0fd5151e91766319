"""A new article's title and address belong to the site owner: a stranger's first
comment must not name the article nor point its "Back to the article" link elsewhere."""

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from moderation.comments.models import Article, ModerationEvent
from moderation.extensions import db

from .conftest import Auth
from .helpers import post_comment

PHISH = "https://evil.example/phish"


def stored(article_id: str) -> Article:
    article = db.session.get(Article, article_id)
    assert article is not None
    return article


def test_a_first_comment_from_a_foreign_page_creates_the_article_without_its_details(
    client: FlaskClient, form_token: Callable[..., str]
) -> None:
    response = post_comment(
        client, form_token("new-post"), "new-post", title="Your session expired", url=PHISH
    )
    assert response.status_code == 202
    article = stored("new-post")
    assert (article.title, article.url, article.details_from_reader) == ("", "", False)
    page = client.get("/embed/new-post").get_data(as_text=True)
    assert "evil.example" not in page and "Your session expired" not in page
    assert "Back to the article" not in page


def test_a_later_comment_does_not_rename_the_article(
    client: FlaskClient, form_token: Callable[..., str]
) -> None:
    post_comment(client, form_token("new-post"), "new-post", title="First", url=PHISH)
    post_comment(
        client, form_token("new-post"), "new-post", title="Owner's", url="http://blog.example/p"
    )
    assert (stored("new-post").title, stored("new-post").url) == ("", "")


def test_a_first_comment_from_an_allowed_origin_keeps_them_marked(
    client: FlaskClient, form_token: Callable[..., str]
) -> None:
    url = "http://blog.example/2024/new-post"
    response = post_comment(client, form_token("new-post"), "new-post", title="New post", url=url)
    assert response.status_code == 202
    article = stored("new-post")
    assert (article.title, article.url, article.details_from_reader) == ("New post", url, True)
    page = client.get("/embed/new-post").get_data(as_text=True)
    assert "New post" in page and f'href="{url}"' in page


def test_a_wildcard_origin_trusts_no_page_but_a_url_prefix_does(
    make_app: Callable[..., Flask], form_token: Callable[..., str]
) -> None:
    app = make_app(ALLOWED_ORIGINS=["*"], ARTICLE_URL_PREFIXES=["https://www.blog.example/posts/"])
    client = app.test_client()
    cases = {
        "any-site": "https://evil.example/posts/x",
        "lookalike": "https://www.blog.example.evil.example/posts/x",
        "other-path": "https://www.blog.example/drafts/x",
        "owned": "https://www.blog.example/posts/x",
    }
    for article_id, url in cases.items():
        response = post_comment(client, form_token(article_id), article_id, title="T", url=url)
        assert response.status_code == 202, response.json
    urls = {a.id: a.url for a in db.session.scalars(db.select(Article))}
    assert urls == {"any-site": "", "lookalike": "", "other-path": "", "owned": cases["owned"]}


def test_the_page_of_an_article_not_created_yet_shows_no_foreign_details(
    client: FlaskClient,
) -> None:
    query = "?title=Your+account+is+locked&url=https%3A%2F%2Fevil.example%2Fphish"
    for url in ("/embed/new-slug", "/embed/new-slug/fragment", "/api/articles/new-slug/comments"):
        text = client.get(url + query).get_data(as_text=True)
        assert "Your account is locked" not in text and "evil.example" not in text, url
    # Without an address on the owner's site, a title alone is not shown either.
    page = client.get("/embed/new-slug?title=Your+account+is+locked").get_data(as_text=True)
    assert "Your account is locked" not in page
    owned = "?title=A+real+post&url=http%3A%2F%2Fblog.example%2Freal"
    assert "A real post" in client.get("/embed/new-slug" + owned).get_data(as_text=True)


def test_foreign_details_in_the_query_do_not_change_the_validator(client: FlaskClient) -> None:
    plain = client.get("/embed/new-slug/fragment").headers["ETag"]
    foreign = client.get(f"/embed/new-slug/fragment?title=Hi&url={PHISH}").headers["ETag"]
    assert foreign == plain


def test_the_dashboard_marks_reader_details_until_a_moderator_confirms(
    client: FlaskClient, form_token: Callable[..., str], logged_in: Auth
) -> None:
    url = "http://blog.example/new-post"
    post_comment(client, form_token("new-post"), "new-post", title="New post", url=url)
    post_comment(client, form_token("other"), "other", title="Other", url="http://blog.example/o")
    listing = logged_in.client.get("/moderation/articles").text
    assert listing.count("from a reader") == 2
    page = logged_in.client.get("/moderation/articles/new-post").text
    assert "from a reader" in page and "Confirm title and address" in page

    response = logged_in.post("/moderation/articles/new-post/confirm")
    assert response.status_code == 303
    assert stored("new-post").details_from_reader is False
    assert "from a reader" not in logged_in.client.get("/moderation/articles/new-post").text
    assert logged_in.client.get("/moderation/articles").text.count("from a reader") == 1
    event = db.session.scalars(
        db.select(ModerationEvent).where(ModerationEvent.action == "confirm article")
    ).one()
    assert event.article_id == "new-post"

    # Saving the title and address, changed or not, confirms them too.
    logged_in.post("/moderation/articles/other", {"title": "Other", "url": "http://blog.example/o"})
    assert stored("other").details_from_reader is False
    assert "from a reader" not in logged_in.client.get("/moderation/articles").text


def test_editing_changed_details_clears_the_mark(
    client: FlaskClient, form_token: Callable[..., str], logged_in: Auth
) -> None:
    post_comment(client, form_token("p"), "p", title="Draft", url="http://blog.example/p")
    response = logged_in.post(
        "/moderation/articles/p", {"title": "Final", "url": "http://blog.example/final"}
    )
    assert response.status_code == 303
    article = stored("p")
    assert (article.title, article.details_from_reader) == ("Final", False)
