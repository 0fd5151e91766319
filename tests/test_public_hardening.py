"""Odd and hostile input on the public path: always a clear 4xx, never a 500."""

import io
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

import pytest
from flask import Flask
from flask.testing import FlaskClient

from moderation.comments.models import Article, Comment
from moderation.extensions import db

from .helpers import post_comment

API = "/api/articles/a-film-review/comments"


@pytest.mark.parametrize("parent_id", [2**31, 99999999999999999999, -1, 0])
def test_out_of_range_parent_ids_are_a_field_error(
    client: FlaskClient, article: Article, form_token: Callable[..., str], parent_id: int
) -> None:
    as_json = post_comment(client, form_token(), parent_id=parent_id)
    assert as_json.status_code == 400 and "parent_id" in as_json.json["errors"]
    as_form = client.post(
        "/embed/a-film-review",
        data={
            "name": "N",
            "email": "n@example.org",
            "body": "b",
            "token": form_token(),
            "parent_id": str(parent_id),
        },
    )
    assert as_form.status_code == 400 and "published comment" in as_form.text


def test_a_token_carries_one_comment(
    client: FlaskClient, article: Article, form_token: Callable[..., str]
) -> None:
    token = form_token()
    assert post_comment(client, token).status_code == 202
    again = post_comment(client, token, body="The same form once more")
    assert again.status_code == 400
    assert "already sent a comment" in again.json["errors"]["token"][0]
    assert post_comment(client, form_token(), body="A fresh form").status_code == 202


def test_a_refused_comment_leaves_its_token_usable(
    client: FlaskClient, article: Article, form_token: Callable[..., str]
) -> None:
    token = form_token()
    assert post_comment(client, token, email="broken").status_code == 400
    assert post_comment(client, token).status_code == 202


def test_readers_cannot_plant_links_or_control_characters_in_a_new_article(
    client: FlaskClient, form_token: Callable[..., str]
) -> None:
    cases = {
        "new-1": ("Log in again\x00\u202e", "//evil.example/moderation/login"),
        "new-2": ("Fine title", "javascript:alert(1)"),
        "new-3": ("  Spaced\n  title ", "http://blog.example/new-3"),
        "new-4": ("Log in again\x00\u202e", "http://blog.example/new-4"),
    }
    for article_id, (title, url) in cases.items():
        response = post_comment(client, form_token(article_id), article_id, title=title, url=url)
        assert response.status_code == 202, response.json
    stored = {a.id: (a.title, a.url) for a in db.session.scalars(db.select(Article))}
    # No address on the owner's site: no title either.
    assert stored["new-1"] == ("", "")
    assert stored["new-2"] == ("", "")
    assert stored["new-3"] == ("Spaced title", "http://blog.example/new-3")
    assert stored["new-4"] == ("Log in again", "http://blog.example/new-4")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "\u200b", "enter your name"),
        ("name", "\ufeff \u200b", "enter your name"),
        ("name", "\u202eevil", "reorder"),
        ("body", "\u200b\u200b", "write a comment"),
        ("website", "https://user:secret@example.com", "user name and password"),
        ("website", "https://exa mple.com", "spaces"),
    ],
)
def test_invisible_names_and_tricky_addresses_are_refused(
    client: FlaskClient,
    article: Article,
    form_token: Callable[..., str],
    field: str,
    value: str,
    message: str,
) -> None:
    response = post_comment(client, form_token(), **{field: value})
    assert response.status_code == 400
    assert message in " ".join(response.json["errors"][field]).lower()


def test_emoji_sequences_and_right_to_left_text_are_fine(
    client: FlaskClient, article: Article, form_token: Callable[..., str]
) -> None:
    response = post_comment(client, form_token(), name="سارا", body="👨\u200d👩\u200d👧 loved it")
    assert response.status_code == 202
    comment = db.session.get(Comment, response.json["id"])
    assert comment is not None and "\u200d" in comment.body


def test_a_chunked_oversized_body_is_a_413(client: FlaskClient, article: Article) -> None:
    body = json.dumps({"body": "x" * 300_000}).encode()
    response = client.post(
        API,
        input_stream=io.BytesIO(body),
        headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 413 and response.is_json


def test_blocklist_as_a_plain_string(
    make_app: Callable[..., Flask], form_token: Callable[..., str]
) -> None:
    app = make_app(BLOCKLIST="casino, pills")
    assert app.config["BLOCKLIST"] == ["casino", "pills"]
    client = app.test_client()
    with app.app_context():
        token = form_token()
        plain = post_comment(client, token, body="Lovely film")
        flagged = post_comment(client, form_token(), body="Casino night!")
        assert db.session.get(Comment, plain.json["id"]).held_reason == ""  # type: ignore[union-attr]
        reason = db.session.get(Comment, flagged.json["id"]).held_reason  # type: ignore[union-attr]
        assert reason == "matched word 'casino' in the text (rule #1)"


def test_simultaneous_first_comments_on_a_new_article_all_land(
    make_app: Callable[..., Flask], live_server_factory: Callable[..., Any]
) -> None:
    app = make_app()
    server = live_server_factory(app)
    statuses: list[int] = []

    def post(n: int) -> None:
        with urllib.request.urlopen(f"{server.url}/api/articles/race/form-token") as answer:
            token = json.load(answer)["token"]
        body = json.dumps(
            {
                "name": f"R{n}",
                "email": f"r{n}@example.org",
                "body": "first!",
                "token": token,
                "title": "Race",
            }
        ).encode()
        request = urllib.request.Request(
            f"{server.url}/api/articles/race/comments",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request) as answer:
                statuses.append(answer.status)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)

    threads = [threading.Thread(target=post, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert statuses == [202] * 8
    with app.app_context():
        count = db.session.scalar(
            db.select(db.func.count()).select_from(Comment).where(Comment.article_id == "race")
        )
        assert count == 8


@pytest.mark.parametrize("article_id", ["a-film-review%0A", "a-film-review%0D%0A"])
def test_an_article_id_with_a_trailing_newline_is_not_an_article(
    client: FlaskClient, article: Article, form_token: Callable[..., str], article_id: str
) -> None:
    """ "ids are 1 to 200 letters, digits, '.', '_' or '-'": a newline at the end makes no
    second article beside the real one, whatever the regular expression engine thinks."""
    listed = client.get(f"/api/articles/{article_id}/comments")
    assert listed.status_code == 404 and "letters, digits" in listed.json["error"]
    assert client.get(f"/api/articles/{article_id}/form-token").status_code == 404
    assert client.get(f"/embed/{article_id}").status_code == 404
    token = form_token(unquote(article_id))
    posted = post_comment(client, token, article_id=article_id)
    assert posted.status_code == 404
    assert db.session.query(Article).count() == 1


@pytest.mark.parametrize(
    "url", ["/api/articles/a-film-review%2F/comments", "/api/articles/a%2F%2Ffilm/comments"]
)
def test_an_encoded_slash_in_an_id_is_no_redirect_to_another_article(
    client: FlaskClient, article: Article, form_token: Callable[..., str], url: str
) -> None:
    listed = client.get(url)
    assert listed.status_code == 404 and listed.is_json
    posted = client.post(url, json={"name": "Ada", "email": "ada@example.org", "body": "Hi"})
    assert posted.status_code == 404 and posted.is_json
    assert "Location" not in posted.headers
    assert db.session.query(Comment).count() == 0


def test_a_doubled_slash_in_an_api_address_is_a_json_404(client: FlaskClient) -> None:
    response = client.get("/api//counts?article=a-film-review")
    assert response.status_code == 404 and response.json["status"] == 404
