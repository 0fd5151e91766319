"""The reader's path over HTTP: the embed page, the JSON API, their errors."""

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from moderation.comments.models import Article, Comment, Status
from moderation.extensions import db

from .helpers import post_comment

API = "/api/articles/a-film-review/comments"


def stored(comment_id: int) -> Comment:
    comment = db.session.get(Comment, comment_id)
    assert comment is not None
    return comment


# --- JSON API ---------------------------------------------------------------------


def test_post_is_stored_pending_and_not_shown(
    client: FlaskClient, article: Article, form_token: Callable[..., str]
) -> None:
    response = post_comment(client, form_token(), body="Loved the *ending*")
    assert response.status_code == 202
    assert response.json["status"] == "pending"
    assert "awaiting moderation" in response.json["message"]
    assert stored(response.json["id"]).status is Status.PENDING
    listing = client.get(API).json
    assert listing["count"] == 0 and listing["comments"] == []


def test_approved_comments_are_listed_oldest_first_with_replies(
    client: FlaskClient, make_comment: Callable[..., Comment]
) -> None:
    top = make_comment(Status.APPROVED, body="First!", name="Bo")
    make_comment(Status.PENDING, body="hidden")
    reply = make_comment(Status.APPROVED, body="Reply", parent=top)
    data = client.get(API).json
    assert data["article"] == {
        "id": "a-film-review",
        "title": "A film review",
        "url": "http://blog.example/review",
    }
    assert data["count"] == 2
    assert [c["id"] for c in data["comments"]] == [top.id, reply.id]
    assert data["comments"][0]["author"] == "Bo"
    assert data["comments"][0]["html"] == "<p>First!</p>"
    assert data["comments"][1]["parent_id"] == top.id
    assert set(data["comments"][0]) >= {
        "id",
        "parent_id",
        "author",
        "website",
        "html",
        "created_at",
    }


def test_listing_revalidates_with_etag(
    client: FlaskClient, make_comment: Callable[..., Comment]
) -> None:
    comment = make_comment(Status.PENDING)
    first = client.get(API)
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    again = client.get(API, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    from moderation import comments as domain

    domain.approve(comment, None)
    db.session.commit()
    after = client.get(API, headers={"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200 and after.json["count"] == 1


def test_form_token_is_not_cached(client: FlaskClient) -> None:
    response = client.get("/api/articles/a-film-review/form-token")
    assert response.status_code == 200
    assert response.json["token"] and response.json["expires_in"] > 0
    assert response.headers["Cache-Control"] == "no-store"


def test_validation_errors_per_field(
    client: FlaskClient, article: Article, form_token: Callable[..., str]
) -> None:
    response = post_comment(
        client,
        form_token(),
        name="  ",
        email="not-an-email",
        body="",
        website="javascript:alert(1)",
    )
    assert response.status_code == 400
    errors = response.json["errors"]
    assert errors["name"] == ["Please enter your name."]
    assert "valid email" in errors["email"][0]
    assert errors["body"] == ["Please write a comment."]
    assert "http://" in errors["website"][0]
    assert response.json["error"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "x" * 101),
        ("email", "a" * 250 + "@example.org"),
        ("website", "https://example.com/" + "x" * 200),
        ("body", "x" * 10_001),
        ("name", "Null\x00Byte"),
        ("body", "bell\x07"),
    ],
)
def test_limits_and_control_characters(
    client: FlaskClient, article: Article, form_token: Callable[..., str], field: str, value: str
) -> None:
    response = post_comment(client, form_token(), **{field: value})
    assert response.status_code == 400
    assert field in response.json["errors"]


def test_text_is_stripped_and_bare_domains_get_https(
    client: FlaskClient, article: Article, form_token: Callable[..., str]
) -> None:
    response = post_comment(
        client, form_token(), name="  Ann  ", website="ann.example", body="  hi\r\nthere  "
    )
    comment = stored(response.json["id"])
    assert comment.author_name == "Ann"
    assert comment.website == "https://ann.example"
    assert comment.body == "hi\nthere"


def test_form_encoded_post_works_too(
    client: FlaskClient, article: Article, form_token: Callable[..., str]
) -> None:
    response = client.post(
        API, data={"name": "F", "email": "f@example.org", "body": "form", "token": form_token()}
    )
    assert response.status_code == 202


def test_token_is_required_and_bound_to_the_article(
    client: FlaskClient, article: Article, form_token: Callable[..., str]
) -> None:
    assert "not complete" in post_comment(client, "").json["errors"]["token"][0]
    wrong = post_comment(client, form_token("another-article"))
    assert wrong.status_code == 400 and "another article" in wrong.json["errors"]["token"][0]


def test_too_fast_submission_is_refused(
    make_app: Callable[..., Flask], form_token: Callable[..., str]
) -> None:
    app = make_app(MIN_FILL_SECONDS=30)
    client = app.test_client()
    token = client.get("/api/articles/a-film-review/form-token").json["token"]
    response = post_comment(client, token)
    assert response.status_code == 400
    assert "wait" in response.json["errors"]["token"][0]


def test_reply_to_pending_parent_is_refused(
    client: FlaskClient, make_comment: Callable[..., Comment], form_token: Callable[..., str]
) -> None:
    pending = make_comment(Status.PENDING)
    response = post_comment(client, form_token(), parent_id=pending.id)
    assert response.status_code == 400
    assert "parent_id" in response.json["errors"]
    approved = make_comment(Status.APPROVED)
    ok = post_comment(client, form_token(), parent_id=approved.id)
    assert ok.status_code == 202 and stored(ok.json["id"]).parent_id == approved.id


def test_article_created_on_first_comment(
    client: FlaskClient, form_token: Callable[..., str]
) -> None:
    response = post_comment(
        client,
        form_token("brand-new"),
        "brand-new",
        title="Brand new",
        url="http://blog.example/new",
    )
    assert response.status_code == 202
    article = db.session.get(Article, "brand-new")
    assert article is not None and article.title == "Brand new"


def test_unknown_article_is_404_when_articles_are_not_auto_created(
    make_app: Callable[..., Flask], form_token: Callable[..., str]
) -> None:
    client = make_app(AUTO_CREATE_ARTICLES=False).test_client()
    response = post_comment(client, form_token("nope"), "nope")
    assert response.status_code == 404 and response.json["error"]
    assert client.get("/api/articles/nope/comments").status_code == 404
    assert client.get("/embed/nope").status_code == 404


def test_closed_article_is_403(
    client: FlaskClient, article: Article, form_token: Callable[..., str]
) -> None:
    article.closed = True
    db.session.commit()
    response = post_comment(client, form_token())
    assert response.status_code == 403
    assert "closed" in response.json["error"]


def test_honeypot_goes_to_spam_without_telling_the_bot(
    client: FlaskClient, article: Article, form_token: Callable[..., str]
) -> None:
    response = post_comment(client, form_token(), homepage="http://bot.example")
    assert response.status_code == 202 and response.json["status"] == "pending"
    comment = stored(response.json["id"])
    assert comment.status is Status.SPAM and "honeypot" in comment.held_reason


@pytest.mark.parametrize(
    ("kwargs", "status", "needle"),
    [
        ({"data": "{not json", "content_type": "application/json"}, 400, "not valid JSON"),
        ({"json": ["a", "list"]}, 400, "JSON object"),
        ({"json": {"name": ["x"], "token": "t"}}, 400, "must be a string"),
        ({"data": "x" * 300_000}, 413, "too large"),
    ],
)
def test_bad_requests_get_json_errors(
    client: FlaskClient, article: Article, kwargs: dict, status: int, needle: str
) -> None:
    response = client.post(API, **kwargs)
    assert response.status_code == status
    assert response.is_json and needle in response.json["error"]


def test_wrong_method_and_unknown_api_path_are_json(client: FlaskClient) -> None:
    response = client.delete(API)
    assert response.status_code == 405 and response.is_json and "POST" in response.headers["Allow"]
    missing = client.get("/api/nothing-here")
    assert missing.status_code == 404 and missing.is_json


def test_rate_limit_answers_429_json(
    make_app: Callable[..., Flask], form_token: Callable[..., str]
) -> None:
    app = make_app(RATELIMIT_ENABLED=True, POST_RATE_LIMIT="2 per minute")
    client = app.test_client()
    codes = [post_comment(client, form_token()).status_code for _ in range(3)]
    assert codes == [202, 202, 429]
    last = post_comment(client, form_token())
    assert last.is_json and "Too many" in last.json["error"]


# --- CORS and origins -------------------------------------------------------------


def test_cors_only_for_allowed_origins(client: FlaskClient, article: Article) -> None:
    allowed = client.get(API, headers={"Origin": "http://blog.example"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "http://blog.example"
    assert "Access-Control-Allow-Credentials" not in allowed.headers
    other = client.get(API, headers={"Origin": "http://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    preflight = client.options(
        API,
        headers={
            "Origin": "http://blog.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.headers["Access-Control-Allow-Origin"] == "http://blog.example"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]


def test_post_from_a_foreign_origin_is_refused(
    client: FlaskClient, article: Article, form_token: Callable[..., str]
) -> None:
    response = client.post(
        API,
        json={"name": "a", "email": "a@example.org", "body": "b", "token": form_token()},
        headers={"Origin": "http://evil.example"},
    )
    assert response.status_code == 403 and response.is_json
    ok = client.post(
        API,
        json={"name": "a", "email": "a@example.org", "body": "b", "token": form_token()},
        headers={"Origin": "http://blog.example"},
    )
    assert ok.status_code == 202


def test_public_post_needs_no_cookie(
    client: FlaskClient, article: Article, form_token: Callable[..., str]
) -> None:
    client.delete_cookie("session")
    response = post_comment(client, form_token())
    assert response.status_code == 202
    assert "Set-Cookie" not in response.headers


# --- the embed page (no JavaScript) -----------------------------------------------


def test_embed_page_shows_approved_comments_and_the_form(
    client: FlaskClient, make_comment: Callable[..., Comment]
) -> None:
    make_comment(Status.APPROVED, body="Visible one", name="Vee")
    make_comment(Status.PENDING, body="Invisible one")
    page = client.get("/embed/a-film-review").get_data(as_text=True)
    assert "Visible one" in page and "Vee" in page
    assert "Invisible one" not in page
    assert "Leave a reply" in page
    assert "will not be published" in page
    for field in ("name", "email", "website", "body"):
        assert f'name="{field}"' in page
    assert page.count('aria-required="true"') == 3


def test_embed_page_may_be_framed_by_allowed_origins_only(client: FlaskClient) -> None:
    csp = client.get("/embed/a-film-review").headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' http://blog.example" in csp


def test_embed_post_redirects_with_awaiting_moderation(
    client: FlaskClient, article: Article, form_token: Callable[..., str]
) -> None:
    response = client.post(
        "/embed/a-film-review",
        data={
            "name": "Nojs",
            "email": "nojs@example.org",
            "body": "No script here",
            "token": form_token(),
        },
    )
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "awaiting moderation" in page
    assert db.session.scalar(db.select(Comment).where(Comment.author_name == "Nojs")) is not None


def test_embed_post_with_errors_keeps_the_values(
    client: FlaskClient, article: Article, form_token: Callable[..., str]
) -> None:
    response = client.post(
        "/embed/a-film-review",
        data={"name": "Kept Name", "email": "broken", "body": "Kept body", "token": form_token()},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'value="Kept Name"' in page and "Kept body" in page
    assert 'aria-invalid="true"' in page and "valid email" in page
    assert 'aria-describedby="email-error"' in page


def test_embed_closed_article_has_no_form(client: FlaskClient, article: Article) -> None:
    article.closed = True
    db.session.commit()
    page = client.get("/embed/a-film-review").get_data(as_text=True)
    assert "Comments are closed" in page and "<form" not in page


def test_names_and_websites_are_escaped(
    client: FlaskClient, make_comment: Callable[..., Comment]
) -> None:
    make_comment(Status.APPROVED, name='<img src=x onerror="alert(1)">')
    page = client.get("/embed/a-film-review").get_data(as_text=True)
    assert "<img src=x" not in page and "&lt;img src=x" in page


@pytest.mark.server_errors
def test_unexpected_failure_is_a_json_500_without_details(make_app: Callable[..., Flask]) -> None:
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/api/boom")
    def boom() -> str:
        raise RuntimeError("secret internals")

    response = app.test_client().get("/api/boom")
    assert response.status_code == 500 and response.is_json
    assert "secret internals" not in response.get_data(as_text=True)
    assert "went wrong" in response.json["error"]


def test_html_error_pages_are_styled_without_inline_css(client: FlaskClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "style=" not in page and "error.css" in page
    assert "default-src 'none'; style-src 'self'" in response.headers["Content-Security-Policy"]


def test_every_response_says_nosniff(client: FlaskClient) -> None:
    for url in ("/api/articles/a-film-review/comments", "/embed/a-film-review", "/nothing"):
        assert client.get(url).headers["X-Content-Type-Options"] == "nosniff"
