"""Any comment within the character limits fits in the request, in every encoding."""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from urllib.parse import urlencode

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from moderation.comments.models import Article, Comment
from moderation.extensions import db

EMBED = "/embed/a-film-review"
API = "/api/articles/a-film-review/comments"
KOREAN = "한"  # 3 bytes in UTF-8: 9 percent-encoded, 6 as a JSON escape
EMOJI = "😀"  # 4 bytes in UTF-8: 12 percent-encoded, 12 as a JSON surrogate pair


def _fields(token: str, body: str) -> dict[str, str]:
    # Every other field at its longest, in the same wide characters.
    return {
        "name": KOREAN * 100,
        "email": "reader@example.org",
        "website": "https://blog.example/" + KOREAN * 170,
        "body": body,
        "token": token,
        "title": EMOJI * 300,
        "url": "https://blog.example/" + EMOJI * 470,
    }


def _form_post(client: FlaskClient, fields: dict[str, str]) -> TestResponse:
    data = urlencode(fields)
    return client.post(EMBED, data=data, content_type="application/x-www-form-urlencoded")


@pytest.mark.parametrize("body", [KOREAN * 9_000, EMOJI * 10_000], ids=["korean", "emoji"])
def test_a_long_comment_in_wide_characters_is_accepted_from_the_no_js_form(
    client: FlaskClient, article: Article, form_token: Callable[..., str], body: str
) -> None:
    fields = _fields(form_token(), body)
    assert len(urlencode(fields)) > 64 * 1024  # the old limit
    response = _form_post(client, fields)
    assert response.status_code == 303, response.text
    stored = db.session.scalars(db.select(Comment)).one()
    assert stored.body == body


@pytest.mark.parametrize("body", [KOREAN * 9_000, EMOJI * 10_000], ids=["korean", "emoji"])
def test_a_long_comment_in_wide_characters_is_accepted_as_json(
    client: FlaskClient, article: Article, form_token: Callable[..., str], body: str
) -> None:
    data = json.dumps(_fields(form_token(), body), ensure_ascii=True)
    response = client.post(API, data=data, content_type="application/json")
    assert response.status_code == 202, response.json
    assert db.session.scalars(db.select(Comment)).one().body == body


@pytest.mark.parametrize("body", [KOREAN * 10_500, EMOJI * 15_000], ids=["korean", "emoji"])
def test_a_comment_over_the_limit_comes_back_in_the_form_with_the_reason(
    client: FlaskClient, article: Article, form_token: Callable[..., str], body: str
) -> None:
    response = _form_post(client, _fields(form_token(), body))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    textarea = page.split("<textarea", 1)[1].split("</textarea>", 1)[0]
    assert body in html.unescape(textarea)
    assert "Keep the comment under 10,000 characters." in page
    assert db.session.scalars(db.select(Comment)).first() is None


def test_an_absurdly_large_form_post_is_a_clear_413(
    client: FlaskClient, article: Article, form_token: Callable[..., str]
) -> None:
    response = _form_post(client, _fields(form_token(), "x" * 3_000_000))
    assert response.status_code == 413
    assert response.mimetype == "text/html"
    assert "limited to 10,000 characters" in response.get_data(as_text=True)
    api = client.post(API, json=_fields(form_token(), "x" * 3_000_000))
    assert api.status_code == 413 and "too large" in api.json["error"]
