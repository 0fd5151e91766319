"""Inviting a moderator, end to end: an owner invites from the dashboard, the outbox's
worker sends the mail to a real SMTP server (aiosmtpd on loopback), the invitee follows
its link, chooses a password and logs in; the log shows each step."""

from __future__ import annotations

import contextvars
import re
import time
from typing import Any

import pytest
from flask import Flask
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from moderation.accounts.models import Moderator, Role
from moderation.comments.models import ModerationEvent
from moderation.extensions import db
from moderation.notify import worker

from .conftest import Auth
from .receivers import Mailbox, html_of, text_of


@pytest.fixture
def app(notify_app: Flask) -> Flask:
    return notify_app


def send(app: Flask) -> None:
    contextvars.Context().run(worker.send_due, app)
    db.session.expire_all()


def invitation_path(message: Any) -> str:
    match = re.search(r"(http://localhost(/moderation/invitation/[^\s<>\"]+))", text_of(message))
    assert match, text_of(message)
    assert match.group(1) in html_of(message)
    return match.group(2)


def test_an_invited_moderator_chooses_a_password_and_logs_in(
    app: Flask, logged_in: Auth, mailbox: Mailbox, moderator: Moderator
) -> None:
    answer = logged_in.post(
        "/moderation/settings/moderators/invite",
        {"email": " New.Editor@Example.com ", "role": "moderator"},
    )
    assert answer.status_code == 303
    assert (
        "An invitation is on its way to new.editor@example.com."
        in logged_in.client.get(answer.headers["Location"]).text
    )
    assert mailbox.messages == []  # the outbox sends it, after the commit
    send(app)
    [mail] = mailbox.wait_for(1)
    assert mail["To"] == "new.editor@example.com"
    assert mail["Subject"] == "You are invited to moderate comments"
    assert "as a moderator" in text_of(mail)
    path = invitation_path(mail)

    stranger = app.test_client()
    page = stranger.get(path)
    assert page.status_code == 200 and "new.editor@example.com" in page.text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text)
    assert token
    differ = stranger.post(
        path, data={"csrf_token": token[1], "password": "a long passphrase", "confirm": "another"}
    )
    assert differ.status_code == 400 and "The two passwords differ." in differ.text
    short = stranger.post(
        path, data={"csrf_token": token[1], "password": "short", "confirm": "short"}
    )
    assert short.status_code == 400 and "at least 8 characters" in short.text
    done = stranger.post(
        path,
        data={
            "csrf_token": token[1],
            "password": "a long passphrase",
            "confirm": "a long passphrase",
        },
    )
    assert done.status_code == 303 and done.headers["Location"] == "/moderation/login"

    joined = db.session.scalar(
        db.select(Moderator).where(Moderator.email == "new.editor@example.com")
    )
    assert joined is not None and joined.role == Role.MODERATOR and joined.active
    newcomer = Auth(app.test_client())
    assert newcomer.login("new.editor@example.com", "a long passphrase").status_code == 303
    assert newcomer.client.get("/moderation/").status_code == 200
    assert newcomer.client.get("/moderation/settings").status_code == 403

    # The link works once.
    again = app.test_client().get(path)
    assert again.status_code == 400 and "used already" in again.text
    events = db.session.scalars(db.select(ModerationEvent).order_by(ModerationEvent.id)).all()
    assert [(e.action, e.moderator_id) for e in events] == [
        ("invited", moderator.id),
        ("joined", joined.id),
    ]
    assert events[0].detail == "new.editor@example.com as moderator"
    assert f"invited by moderator #{moderator.id}" in events[1].detail


def test_an_owner_can_invite_another_owner(app: Flask, logged_in: Auth, mailbox: Mailbox) -> None:
    logged_in.post(
        "/moderation/settings/moderators/invite", {"email": "co@example.com", "role": "owner"}
    )
    send(app)
    [mail] = mailbox.wait_for(1)
    assert "as an owner" in text_of(mail)
    path = invitation_path(mail)
    client = app.test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get(path).text)
    assert token
    client.post(
        path,
        data={
            "csrf_token": token[1],
            "password": "owners passphrase",
            "confirm": "owners passphrase",
        },
    )
    co = db.session.scalar(db.select(Moderator).where(Moderator.email == "co@example.com"))
    assert co is not None and co.role == Role.OWNER


def test_bad_invitations_are_refused(
    app: Flask, logged_in: Auth, mailbox: Mailbox, moderator: Moderator
) -> None:
    for email, message in [
        ("not an address", "valid email address"),
        (moderator.email, "There is already a moderator"),
    ]:
        answer = logged_in.post(
            "/moderation/settings/moderators/invite", {"email": email, "role": "moderator"}
        )
        assert answer.status_code == 400 and message in answer.text
    send(app)
    assert mailbox.messages == []
    forged = app.test_client().get("/moderation/invitation/forged-token")
    assert forged.status_code == 400 and "not valid" in forged.text

    # An expired one: signed four days ago.
    class SignedEarlier(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 4 * 86400

    serializer = URLSafeTimedSerializer(
        app.config["SECRET_KEY"], salt="moderation.notify.invitation", signer=SignedEarlier
    )
    old = serializer.dumps({"email": "late@example.com", "role": "moderator", "by": moderator.id})
    expired = app.test_client().get(f"/moderation/invitation/{old}")
    assert expired.status_code == 400 and "expired" in expired.text


def test_an_invitation_token_never_reaches_a_log() -> None:
    from moderation.notify.links import redact_tokens

    line = '"GET /moderation/invitation/eyJlbWFpbCI6.aw8Ppg.2hn5vPau HTTP/1.1" 200'
    assert redact_tokens(line) == '"GET /moderation/invitation/[token] HTTP/1.1" 200'
