"""No email or client address in any public output."""

import logging
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from moderation import comments as domain
from moderation.comments.models import Article, Comment
from moderation.extensions import db

SECRET_EMAIL = "very-private-3f9a1c@example.org"
SECRET_ADDR = "198.51.100.77"
# What is stored of it by default (MODERATION_STORE_IP=truncated): its /24.
STORED_ADDR = "198.51.100.0"
API = "/api/articles/a-film-review/comments"


def text_of(response: TestResponse) -> str:
    return response.get_data(as_text=True) + str(response.headers)


def test_email_and_address_never_leave_through_public_outputs(
    client: FlaskClient,
    article: Article,
    form_token: Callable[..., str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    as_reader = {"environ_base": {"REMOTE_ADDR": SECRET_ADDR}}
    created = client.post(
        API,
        json={"name": "P", "email": SECRET_EMAIL, "body": "Private?", "token": form_token()},
        **as_reader,
    )
    comment = db.session.get(Comment, created.json["id"])
    assert comment is not None and comment.remote_addr == STORED_ADDR
    domain.approve(comment, None)
    db.session.commit()

    outputs = [
        created,
        client.post(
            API,
            json={
                "name": "Q",
                "email": SECRET_EMAIL,
                "body": "x",
                "token": form_token(),
                "parent_id": comment.id,
            },
            **as_reader,
        ),
        client.post(API, json={"name": "", "email": SECRET_EMAIL, "body": "x"}, **as_reader),
        client.get(API),
        client.get("/embed/a-film-review"),
        client.get("/embed/a-film-review?posted=1"),
        client.get("/api/articles/a-film-review/form-token"),
        client.get("/embed/a-film-review/fragment"),
        client.get("/api/counts?article=a-film-review"),
        client.get("/embed.js"),
        client.get("/demo"),
    ]
    for response in outputs:
        assert SECRET_EMAIL not in text_of(response)
        assert SECRET_ADDR not in text_of(response)
        assert STORED_ADDR not in text_of(response)
    # The log tells what happened (stored, refused and why), never who or from where.
    assert f"Comment #{comment.id} on a-film-review stored as pending" in caplog.text
    assert "Refused a comment on a-film-review: invalid name, token" in caplog.text
    assert SECRET_EMAIL not in caplog.text and SECRET_ADDR not in caplog.text
    assert STORED_ADDR not in caplog.text


def test_error_page_re_rendered_for_the_reader_keeps_only_their_own_input(
    client: FlaskClient, article: Article, form_token: Callable[..., str]
) -> None:
    """The no-JS form keeps what was typed, for the person who typed it, and nothing else."""
    other = client.post(
        API, json={"name": "Other", "email": SECRET_EMAIL, "body": "b", "token": form_token()}
    )
    domain.approve(db.session.get(Comment, other.json["id"]), None)
    db.session.commit()
    response = client.post(
        "/embed/a-film-review",
        data={"name": "", "email": "mine@example.org", "body": "x", "token": form_token()},
    )
    assert response.status_code == 400
    assert "mine@example.org" in text_of(response)
    assert SECRET_EMAIL not in text_of(response)


def test_a_failed_login_is_logged_without_the_address_typed(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    from .conftest import Auth

    caplog.set_level(logging.INFO)
    Auth(client).login(SECRET_EMAIL, "a wrong password")
    assert "Failed dashboard login" in caplog.text
    assert SECRET_EMAIL not in caplog.text and "a wrong password" not in caplog.text
