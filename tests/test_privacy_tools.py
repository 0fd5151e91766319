"""What is kept about commenters and how they are forgotten: IP storage, one person's
export and erasure (shell and dashboard), and the purge of old addresses and spam."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from moderation.comments.models import Article, Comment, ModerationEvent, Status
from moderation.core.database import utcnow
from moderation.extensions import db
from moderation.privacy.addresses import stored_address

from .conftest import ARTICLE_ID, Auth

ADA = "ada@example.org"


@pytest.mark.parametrize(
    ("address", "policy", "stored"),
    [
        ("203.0.113.77", "truncated", "203.0.113.0"),
        ("203.0.113.77", "full", "203.0.113.77"),
        ("203.0.113.77", "none", None),
        ("2001:db8:abcd:12:1:2:3:4", "truncated", "2001:db8:abcd::"),
        ("2001:db8:abcd:12:1:2:3:4", "full", "2001:db8:abcd:12:1:2:3:4"),
        ("::ffff:82.119.20.9", "truncated", "82.119.20.0"),
        ("::ffff:82.119.20.9", "full", "82.119.20.9"),
        ("fe80::1%eth0", "full", "fe80::1"),
        ("not an address", "full", None),
        (None, "truncated", None),
    ],
)
def test_stored_address(address: str | None, policy: str, stored: str | None) -> None:
    assert stored_address(address, policy) == stored


@pytest.mark.parametrize(
    ("policy", "stored"),
    [(None, "203.0.113.0"), ("full", "203.0.113.77"), ("none", None)],
)
def test_posted_comments_keep_the_ip_the_setting_says(
    make_app: Callable[..., Flask], form_token: Callable[..., str], policy: str | None, stored: str
) -> None:
    app = make_app(**({"STORE_IP": policy} if policy else {}))
    with app.app_context():
        from moderation.comments.tokens import issue_token

        token = issue_token(app.config["SECRET_KEY"], ARTICLE_ID)
        response = app.test_client().post(
            f"/api/articles/{ARTICLE_ID}/comments",
            json={"name": "Ada", "email": ADA, "body": "Hello", "token": token},
            environ_base={"REMOTE_ADDR": "203.0.113.77"},
        )
        assert response.status_code == 202, response.text
        comment = db.session.scalar(select(Comment))
        assert comment is not None and comment.remote_addr == stored


@pytest.fixture
def ada(make_comment: Callable[..., Comment]) -> list[Comment]:
    """Ada's two comments (one approved, with a reply by someone else) and Bo's one."""
    first = make_comment(Status.APPROVED, body="Ada's first words", email=ADA, name="Ada")
    second = make_comment(Status.PENDING, body="Ada again", email="Ada@Example.org", name="Ada")
    for comment in (first, second):
        comment.website, comment.remote_addr = "https://ada.example/", "203.0.113.0"
    make_comment(Status.APPROVED, body="Bo answers", email="bo@example.org", parent=first)
    db.session.commit()
    return [first, second]


def test_privacy_export_prints_everything_about_one_address(
    runner: FlaskCliRunner, ada: list[Comment]
) -> None:
    result = runner.invoke(args=["privacy", "export", "ADA@example.org"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["email"] == ADA
    assert [c["body"] for c in document["comments"]] == ["Ada's first words", "Ada again"]
    assert {c["remote_addr"] for c in document["comments"]} == {"203.0.113.0"}
    assert "bo@example.org" not in result.stdout
    assert document["moderator"] == []
    assert [e["action"] for e in document["audit_events"]] == ["approve"]


def test_privacy_erase_anonymises_and_keeps_the_text(
    app: Flask, runner: FlaskCliRunner, ada: list[Comment]
) -> None:
    article = db.session.get(Article, ARTICLE_ID)
    assert article is not None
    version = article.version
    result = runner.invoke(args=["privacy", "erase", ADA, "--yes"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Anonymised: 2 comments."
    for comment in ada:
        db.session.refresh(comment)
        assert (comment.author_name, comment.email, comment.remote_addr, comment.website) == (
            "Anonymous",
            "",
            None,
            "",
        )
    assert [c.body for c in ada] == ["Ada's first words", "Ada again"]
    bo = db.session.scalar(select(Comment).where(Comment.email == "bo@example.org"))
    assert bo is not None and bo.author_name == "Reader"
    event = db.session.scalars(select(ModerationEvent).order_by(ModerationEvent.id.desc())).first()
    assert event is not None and event.action == "erase person"
    assert event.detail == "anonymised: 2 comments" and "ada" not in event.detail.lower()
    db.session.refresh(article)
    assert article.version > version  # readers' cached pages change
    page = app.test_client().get(f"/embed/{ARTICLE_ID}").text
    assert "Anonymous" in page and "first words" in page, page
    again = runner.invoke(args=["privacy", "export", ADA])
    assert json.loads(again.stdout)["comments"] == []


def test_privacy_erase_delete_removes_the_comments_but_not_the_replies(
    runner: FlaskCliRunner, ada: list[Comment]
) -> None:
    result = runner.invoke(args=["privacy", "erase", ADA, "--delete"], input="y\n")
    assert result.exit_code == 0, result.output
    assert "Deleted: 2 comments." in result.output
    remaining = list(db.session.scalars(select(Comment)))
    assert [c.body for c in remaining] == ["Bo answers"]
    assert remaining[0].parent_id is None


def test_privacy_erase_asks_first(runner: FlaskCliRunner, ada: list[Comment]) -> None:
    result = runner.invoke(args=["privacy", "erase", ADA], input="n\n")
    assert result.exit_code == 1
    assert db.session.scalar(select(Comment).where(Comment.email == ADA)) is not None


def test_privacy_refuses_something_that_is_no_address(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["privacy", "export", "nobody"])
    assert result.exit_code == 1
    assert "Give the person's email address" in result.output


def test_the_dashboard_exports_and_erases_one_person(
    logged_in: Auth, ada: list[Comment], moderator: object
) -> None:
    page = logged_in.client.get("/moderation/data")
    assert "Anonymise their comments" in page.text
    download = logged_in.post("/moderation/data/person", {"email": ADA, "action": "export"})
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == 'attachment; filename="person.json"'
    assert len(download.get_json()["comments"]) == 2

    done = logged_in.post(
        "/moderation/data/person", {"email": ADA, "action": "anonymise"}, follow_redirects=True
    )
    assert "That person&#39;s data is anonymised: 2 comments." in done.text
    assert db.session.scalar(select(Comment).where(Comment.email == ADA)) is None
    event = db.session.scalars(select(ModerationEvent).order_by(ModerationEvent.id.desc())).first()
    assert event is not None and event.moderator_id == getattr(moderator, "id", None)

    deleted = logged_in.post(
        "/moderation/data/person",
        {"email": "bo@example.org", "action": "delete"},
        follow_redirects=True,
    )
    assert "deleted: 1 comment." in deleted.text
    nothing = logged_in.post(
        "/moderation/data/person", {"email": "bo@example.org", "action": "delete"},
        follow_redirects=True,
    )  # fmt: skip
    assert "Nothing was stored about that address." in nothing.text


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"email": "nope", "action": "export"}, "Enter a valid email address"),
        ({"email": "", "action": "export"}, "Enter the person's email address."),
        ({"email": ADA, "action": "burn"}, "Choose an action."),
    ],
)
def test_the_dashboard_refuses_bad_input_with_a_400(
    logged_in: Auth, form: dict[str, str], message: str
) -> None:
    response = logged_in.post("/moderation/data/person", form)
    assert response.status_code == 400
    assert message in response.text


def test_the_dashboard_person_form_needs_its_csrf_token(logged_in: Auth) -> None:
    response = logged_in.client.post(
        "/moderation/data/person", data={"email": ADA, "action": "anonymise"}
    )
    assert response.status_code == 400


def test_purge_removes_old_addresses_and_old_spam(
    runner: FlaskCliRunner, make_comment: Callable[..., Comment]
) -> None:
    now = utcnow()
    rows = {
        "old approved": (Status.APPROVED, 31),
        "new approved": (Status.APPROVED, 29),
        "old spam": (Status.SPAM, 91),
        "old rejected": (Status.REJECTED, 91),
        "recent spam": (Status.SPAM, 89),
        "old pending": (Status.PENDING, 200),
    }
    for body, (status, days) in rows.items():
        comment = make_comment(status, body=body)
        comment.created_at = now - timedelta(days=days)
        comment.remote_addr = "198.51.100.0"
    db.session.commit()
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        "Removed 5 IP address(es) older than 30 days and deleted 2 rejected or spam "
        "comment(s) older than 90 days."
    )
    left = {c.body: c.remote_addr for c in db.session.scalars(select(Comment))}
    assert left == {
        "old approved": None,
        "new approved": "198.51.100.0",
        "recent spam": None,
        "old pending": None,
    }
    event = db.session.scalars(select(ModerationEvent).order_by(ModerationEvent.id.desc())).first()
    assert event is not None and event.action == "purge"
    again = runner.invoke(args=["purge"])
    assert "Removed 0 IP address(es)" in again.output


def test_purge_follows_the_retention_settings(
    make_app: Callable[..., Flask], make_comment: Callable[..., Comment]
) -> None:
    comment = make_comment(Status.SPAM, body="a week old")
    comment.created_at = utcnow() - timedelta(days=7)
    comment.remote_addr = "198.51.100.0"
    db.session.commit()
    app = make_app(IP_RETENTION_DAYS=5, SPAM_RETENTION_DAYS=6)
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["purge"])
    assert "Removed 1 IP address(es) older than 5 days and deleted 1" in result.output


def test_erasing_a_person_forgets_their_address_on_the_mail_side(
    runner: FlaskCliRunner, ada: list[Comment]
) -> None:
    from moderation.notify.addresses import address_for, confirm, is_confirmed
    from moderation.notify.models import OutboxMessage
    from moderation.notify.outbox import enqueue_mail

    confirm(address_for(ADA))
    ada[0].notify_replies = True
    enqueue_mail(ADA, template="mail/reply", subject="A reply", audience="reader")
    enqueue_mail("boss@example.com", template="mail/new_comment", subject=f"From {ADA}")
    enqueue_mail("boss@example.com", template="mail/new_comment", subject="From Bo")
    db.session.commit()
    exported = json.loads(runner.invoke(args=["privacy", "export", ADA]).stdout)
    assert exported["email_address"][0]["email"] == ADA
    assert exported["email_address"][0]["confirmed_at"] is not None
    assert [m["topic"] for m in exported["email_address"][1:]] == ["mail/reply"]

    result = runner.invoke(args=["privacy", "erase", ADA, "--yes"])
    assert result.exit_code == 0, result.output
    assert not is_confirmed(ADA)
    left = db.session.scalars(select(OutboxMessage)).all()
    assert all(ADA not in (m.recipient + m.payload).lower() for m in left)
    assert len(left) == 1  # the notice that does not name her stays
    db.session.refresh(ada[0])
    assert ada[0].notify_replies is False
    assert json.loads(runner.invoke(args=["privacy", "export", ADA]).stdout)["email_address"] == []
