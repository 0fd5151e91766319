"""Webhooks, received by a real HTTP server: signed as Standard Webhooks says, with a
stable id across retries, and without the commenter's email or address unless the
owner asks for them."""

from __future__ import annotations

import base64
import contextvars
import hashlib
import hmac
import time
from typing import Any

import pytest
from flask import Flask

from moderation import comments as domain
from moderation.comments.models import Comment
from moderation.config import ConfigError
from moderation.extensions import db
from moderation.notify import worker
from moderation.notify.models import OutboxMessage, State

from .helpers import post_comment
from .receivers import WEBHOOK_SECRET, Mailbox, WebhookReceiver, notify_config


@pytest.fixture
def app(notify_app: Flask) -> Flask:
    return notify_app


def send(app: Flask) -> worker.Round:
    result = contextvars.Context().run(worker.send_due, app)
    db.session.expire_all()
    return result


def verify(delivery: Any, secret: str = WEBHOOK_SECRET) -> None:
    """What a receiver does, written from the specification rather than the code."""
    msg_id = delivery.headers["webhook-id"]
    timestamp = delivery.headers["webhook-timestamp"]
    assert abs(time.time() - int(timestamp)) < 60
    key = base64.b64decode(secret.split("_", 1)[1])
    signed = f"{msg_id}.{timestamp}.{delivery.body.decode()}".encode()
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    versions = dict(s.split(",", 1) for s in delivery.headers["webhook-signature"].split())
    assert hmac.compare_digest(versions["v1"], expected)


def test_created_and_approved_are_posted_signed_without_private_fields(
    app: Flask, article: Any, client: Any, form_token: Any, webhook_receiver: WebhookReceiver
) -> None:
    answer = post_comment(
        client, form_token(), name="Ada", email="ada.private@example.org", body="Hello *there*"
    ).get_json()
    send(app)
    [created] = webhook_receiver.deliveries
    verify(created)
    assert created.headers["content-type"] == "application/json"
    assert created.headers["webhook-id"].startswith("msg_")
    body = created.json()
    assert body["type"] == "comment.created"
    assert body["timestamp"].endswith("Z")
    data = body["data"]
    assert data["comment"]["id"] == answer["id"]
    assert data["comment"]["status"] == "pending"
    assert data["comment"]["author"] == "Ada"
    assert data["comment"]["html"] == "<p>Hello <em>there</em></p>"
    assert data["article"] == {
        "id": "a-film-review",
        "title": "A film review",
        "url": "http://blog.example/review",
    }
    raw = created.body.decode()
    assert "ada.private@example.org" not in raw
    assert "127.0.0.1" not in raw

    comment = db.session.get(Comment, answer["id"])
    domain.approve(comment, None)
    db.session.commit()
    domain.mark_spam(comment, None)
    db.session.commit()
    domain.reject(comment, None)
    db.session.commit()
    send(app)
    types = [d.json()["type"] for d in webhook_receiver.deliveries]
    assert types == ["comment.created", "comment.approved", "comment.spam", "comment.rejected"]
    for delivery in webhook_receiver.deliveries:
        verify(delivery)
    assert len({d.headers["webhook-id"] for d in webhook_receiver.deliveries}) == 4


def test_a_forged_signature_would_not_verify(
    app: Flask, article: Any, client: Any, form_token: Any, webhook_receiver: WebhookReceiver
) -> None:
    post_comment(client, form_token())
    send(app)
    [delivery] = webhook_receiver.deliveries
    with pytest.raises(AssertionError):
        verify(delivery, secret="whsec_" + base64.b64encode(b"another key of 24 bytes!").decode())


def test_private_fields_only_when_the_owner_asks(
    make_app: Any, mailbox: Mailbox, webhook_receiver: WebhookReceiver
) -> None:
    app = make_app(**notify_config(mailbox, webhook_receiver, WEBHOOK_INCLUDE_PRIVATE=True))
    with app.app_context():
        domain.create_article("a-film-review", title="A film review")
        db.session.commit()
        from moderation.comments.tokens import issue_token

        client = app.test_client()
        post_comment(client, issue_token(app.config["SECRET_KEY"], "a-film-review"))
        send(app)
    [delivery] = webhook_receiver.deliveries
    comment = delivery.json()["data"]["comment"]
    assert comment["email"] == "ada@example.org"
    assert comment["remote_addr"] == "127.0.0.0"  # as stored: MODERATION_STORE_IP=truncated


def test_a_failing_receiver_gets_the_same_message_again(
    app: Flask, article: Any, client: Any, form_token: Any, webhook_receiver: WebhookReceiver
) -> None:
    webhook_receiver.status = 503
    post_comment(client, form_token())
    result = send(app)
    assert result.retrying == 1
    hook = db.session.query(OutboxMessage).filter_by(topic="comment.created").one()
    assert (hook.state, hook.last_error) == (State.WAITING, "The webhook answered 503")
    webhook_receiver.status = 204
    send(app)
    first, second = webhook_receiver.deliveries
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.body == second.body
    verify(second)
    db.session.refresh(hook)
    assert (hook.state, hook.attempts) == (State.SENT, 2)


def test_a_receiver_that_refuses_for_good_fails_at_once(
    app: Flask, article: Any, client: Any, form_token: Any, webhook_receiver: WebhookReceiver
) -> None:
    webhook_receiver.status = 401
    post_comment(client, form_token())
    assert send(app).failed == 1
    assert len(webhook_receiver.deliveries) == 1


def test_a_receiver_that_is_down_is_retried(
    make_app: Any, mailbox: Mailbox, webhook_receiver: WebhookReceiver
) -> None:
    webhook_receiver.stop()
    app = make_app(**notify_config(mailbox, webhook_receiver))
    with app.app_context():
        from moderation.notify import enqueue_webhook

        enqueue_webhook(webhook_receiver.url, "comment.created", {"id": 1})
        db.session.commit()
        result = send(app)
        assert result.retrying == 1
        assert "could not be reached" in result.errors[0]
    webhook_receiver.start()


def test_webhook_settings_are_checked_when_the_app_starts(make_app: Any) -> None:
    with pytest.raises(ConfigError, match="WEBHOOK_SECRET"):
        make_app(WEBHOOK_URLS=["https://hooks.example/x"])
    with pytest.raises(ConfigError, match="WEBHOOK_SECRET"):
        make_app(WEBHOOK_URLS=["https://hooks.example/x"], WEBHOOK_SECRET="plain-secret")
    with pytest.raises(ConfigError, match="WEBHOOK_URLS"):
        make_app(WEBHOOK_URLS="ftp://hooks.example/x", WEBHOOK_SECRET=WEBHOOK_SECRET)


def test_the_command_line_makes_a_secret_the_app_accepts(make_app: Any) -> None:
    app = make_app()
    result = app.test_cli_runner().invoke(args=["outbox", "webhook-secret"])
    secret = result.output.strip()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret[6:])) == 32
    make_app(WEBHOOK_URLS=["https://hooks.example/x"], WEBHOOK_SECRET=secret)
