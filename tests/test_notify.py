"""Moderators' mails with one-click links, digests, and readers' double opt-in, end to
end: a reader posts, the worker sends to a real SMTP server (aiosmtpd on loopback), the
tests read what arrived and follow its links."""

from __future__ import annotations

import contextvars
import re
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, update

from moderation.accounts.models import Moderator
from moderation.comments.models import Comment, ModerationEvent, Status
from moderation.core.database import utcnow
from moderation.extensions import db
from moderation.notify import is_confirmed, worker
from moderation.notify.models import NotificationPreference, OutboxMessage, State

from .conftest import ARTICLE_ID, MODERATOR_EMAIL, Auth
from .helpers import post_comment
from .receivers import Mailbox, html_of, links_in, text_of


def send(app: Flask) -> worker.Round:
    """One round of the worker, in its own context (as ``flask outbox send``)."""
    result = contextvars.Context().run(worker.send_due, app)
    db.session.expire_all()
    return result


def post(client: Any, form_token: Callable[..., str], **fields: Any) -> Any:
    response = post_comment(client, form_token(), **fields)
    assert response.status_code == 202, response.text
    return response.get_json()


def path_of(url: str) -> str:
    assert url.startswith("http://localhost/"), url
    return url.removeprefix("http://localhost")


def link(message: Any, label: str) -> str:
    match = re.search(rf"^\s*{label}:\s+(\S+)", text_of(message), re.MULTILINE)
    assert match, f"no {label} link in:\n{text_of(message)}"
    return path_of(match.group(1))


@pytest.fixture
def app(notify_app: Flask) -> Flask:
    return notify_app


@pytest.fixture
def setup(app: Flask, article: Any, moderator: Moderator) -> Flask:
    return app


def test_a_moderator_gets_a_mail_with_everything_to_decide(
    setup: Flask, client: Any, form_token: Any, mailbox: Mailbox
) -> None:
    answer = post(
        client,
        form_token,
        name="Ada Reader",
        email="ada@example.org",
        website="https://ada.example",
        body="A **bold** claim <script>alert(1)</script>",
    )
    assert mailbox.messages == []  # nothing leaves before the worker runs
    assert send(setup).sent == 2  # the mail and the webhook
    [mail] = mailbox.messages
    assert mail["To"] == MODERATOR_EMAIL
    assert mail["From"] == "Comments <comments@blog.example>"
    assert "New comment by Ada Reader on A film review" == mail["Subject"]
    assert re.fullmatch(r"<[0-9a-f]{32}@localhost>", mail["Message-ID"])
    text, html = text_of(mail), html_of(mail)
    for part in (text, html):
        assert "Ada Reader" in part
        assert "ada@example.org" in part
        assert "https://ada.example" in part
        assert "http://blog.example/review" in part
    # The sanitized rendering: no markup from the reader, no script.
    assert "**bold**" not in text and "A bold claim <script>alert(1)</script>" in text
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "A bold claim" in text
    assert "<strong>bold</strong>" in html
    assert f"/moderation/comments/{answer['id']}" in text
    for label in ("Approve", "Reject", "Spam"):
        assert link(mail, label).startswith("/moderation/email/")
    assert len(set(links_in(text))) >= 5


def test_the_approve_link_shows_a_page_then_its_button_approves(
    setup: Flask, client: Any, form_token: Any, mailbox: Mailbox, moderator: Moderator
) -> None:
    comment_id = post(client, form_token)["id"]
    send(setup)
    approve = link(mailbox.messages[0], "Approve")

    # Link checkers and previews fetch it: a GET changes nothing.
    for _ in range(2):
        page = client.get(approve)
        assert page.status_code == 200
        assert "Approve comment #" in page.text
        assert "What a film." in page.text
        assert 'method="post"' in page.text
        assert page.headers["Referrer-Policy"] == "no-referrer"
        assert page.headers["Cache-Control"] == "no-store"
    assert db.session.get(Comment, comment_id).status == Status.PENDING

    # No login, no CSRF token: the signed link is the proof.
    done = client.post(approve)
    assert done.status_code == 200, done.text
    assert f"Comment #{comment_id} approved" in done.text
    assert db.session.get(Comment, comment_id).status == Status.APPROVED
    event = db.session.scalars(
        select(ModerationEvent).where(ModerationEvent.comment_id == comment_id)
    ).one()
    assert (event.action, event.moderator_id, event.detail) == (
        "approve",
        moderator.id,
        "by email link",
    )

    # The same link works once.
    again = client.post(approve)
    assert again.status_code == 410
    assert "used already" in again.text
    assert client.get(approve).status_code == 410


def test_the_audit_log_shows_it_was_done_by_email_link(
    setup: Flask, client: Any, form_token: Any, mailbox: Mailbox, logged_in: Auth
) -> None:
    post(client, form_token)
    send(setup)
    assert client.post(link(mailbox.messages[0], "Spam")).status_code == 200
    log_page = client.get("/moderation/log")
    assert "by email link" in log_page.text
    assert MODERATOR_EMAIL in log_page.text


def test_a_link_for_a_comment_that_changed_meanwhile_acts_not(
    setup: Flask, client: Any, form_token: Any, mailbox: Mailbox, logged_in: Auth
) -> None:
    comment_id = post(client, form_token)["id"]
    send(setup)
    approve = link(mailbox.messages[0], "Approve")
    comment = db.session.get(Comment, comment_id)
    answer = logged_in.post(
        f"/moderation/comments/{comment_id}/reject", {"version": comment.version}
    )
    assert answer.status_code == 303
    refused = client.post(approve)
    assert refused.status_code == 409
    assert "changed since this mail" in refused.text
    assert "rejected now" in refused.text
    assert db.session.get(Comment, comment_id).status == Status.REJECTED


def test_tampered_expired_and_orphaned_links_are_refused_with_a_page(
    setup: Flask,
    client: Any,
    form_token: Any,
    mailbox: Mailbox,
    moderator: Moderator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    comment_id = post(client, form_token)["id"]
    send(setup)
    approve = link(mailbox.messages[0], "Approve")
    tampered = approve[:-3] + ("AAA" if not approve.endswith("AAA") else "BBB")
    for method in (client.get, client.post):
        answer = method(tampered)
        assert answer.status_code == 400
        assert "not valid" in answer.text
    assert client.get("/moderation/email/nonsense").status_code == 400

    # A link signed eight days ago has expired (they work for seven).
    from moderation.notify import links

    eight_days_ago = time.time() - 8 * 86400
    with monkeypatch.context() as patch:
        patch.setattr("itsdangerous.timed.time.time", lambda: eight_days_ago)
        old = links.action_token(setup.config["SECRET_KEY"], moderator.id, comment_id, 1, "approve")
    expired = client.post(f"/moderation/email/{old}")
    assert expired.status_code == 410
    assert "expired" in expired.text

    # A disabled moderator's links stop working.
    moderator = db.session.get(Moderator, moderator.id)
    moderator.active = False
    db.session.commit()
    assert client.post(approve).status_code == 403
    assert db.session.get(Comment, comment_id).status == Status.PENDING


def test_a_deleted_comment_link_says_so(
    setup: Flask, client: Any, form_token: Any, mailbox: Mailbox
) -> None:
    comment_id = post(client, form_token)["id"]
    send(setup)
    from moderation import comments as domain

    domain.delete_comment(db.session.get(Comment, comment_id), None)
    db.session.commit()
    answer = client.get(link(mailbox.messages[0], "Reject"))
    assert answer.status_code == 404
    assert "deleted" in answer.text


def test_each_active_moderator_gets_their_own_links(
    setup: Flask, client: Any, form_token: Any, mailbox: Mailbox, make_moderator: Any
) -> None:
    make_moderator("second@example.com")
    make_moderator("gone@example.com", active=False)
    post(client, form_token)
    send(setup)
    assert sorted(m["To"] for m in mailbox.messages) == [MODERATOR_EMAIL, "second@example.com"]
    first, second = mailbox.to(MODERATOR_EMAIL)[0], mailbox.to("second@example.com")[0]
    assert link(first, "Approve") != link(second, "Approve")
    assert first["Message-ID"] != second["Message-ID"]


def test_spam_caught_by_the_rules_mails_nobody(
    setup: Flask, client: Any, form_token: Any, mailbox: Mailbox
) -> None:
    post(client, form_token, homepage="http://bot.example")
    send(setup)
    assert mailbox.messages == []


def test_a_digest_lists_every_comment_that_arrived_in_its_period(
    setup: Flask,
    client: Any,
    form_token: Any,
    mailbox: Mailbox,
    moderator: Moderator,
    runner: Any,
) -> None:
    result = runner.invoke(
        args=["moderators", "notifications", MODERATOR_EMAIL, "digest", "--every", "30"]
    )
    assert result.exit_code == 0, result.output
    assert "a digest every 30 minutes" in result.output
    first = post(client, form_token, name="First Reader", body="The first one.")["id"]
    second = post(client, form_token, name="Second Reader", body="The second one.")["id"]
    send(setup)
    assert mailbox.messages == []  # held for the digest
    held = db.session.scalars(select(OutboxMessage).where(OutboxMessage.state == State.HELD))
    assert len(list(held)) == 2

    # Half an hour later, one mail lists both.
    db.session.execute(
        update(NotificationPreference).values(last_digest_at=utcnow() - timedelta(minutes=31))
    )
    db.session.commit()
    assert send(setup).digests == 1
    send(setup)
    [digest] = mailbox.messages
    assert digest["Subject"] == "2 new comments waiting for moderation"
    text = text_of(digest)
    assert "First Reader" in text and "Second Reader" in text
    assert "The first one." in text and "The second one." in text
    assert "ada@example.org" in text  # the readers' addresses, for the moderators
    approve_links = re.findall(r"Approve:\s+(\S+)", text)
    assert len(approve_links) == 2
    assert client.post(path_of(approve_links[1])).status_code == 200
    assert db.session.get(Comment, second).status == Status.APPROVED
    assert db.session.get(Comment, first).status == Status.PENDING

    # The next comment waits for the next period.
    post(client, form_token, name="Third Reader")
    send(setup)
    assert len(mailbox.messages) == 1


def test_a_moderator_who_wants_no_mail_gets_none(
    setup: Flask, client: Any, form_token: Any, mailbox: Mailbox, runner: Any
) -> None:
    result = runner.invoke(args=["moderators", "notifications", MODERATOR_EMAIL, "none"])
    assert result.exit_code == 0 and "no mail" in result.output
    post(client, form_token)
    send(setup)
    assert mailbox.messages == []
    shown = runner.invoke(args=["moderators", "notifications", MODERATOR_EMAIL])
    assert "no mail" in shown.output
    bad = runner.invoke(args=["moderators", "notifications", "nobody@example.com", "each"])
    assert bad.exit_code == 1 and "no moderator" in bad.output


def test_my_notifications_page_changes_the_choice(
    setup: Flask, client: Any, logged_in: Auth, moderator: Moderator
) -> None:
    page = client.get("/moderation/notifications")
    assert page.status_code == 200
    assert 'value="each" checked' in page.text
    # No CSRF token, no change.
    refused = client.post(
        "/moderation/notifications", data={"frequency": "none", "digest_minutes": "60"}
    )
    assert refused.status_code == 400
    saved = logged_in.post(
        "/moderation/notifications", {"frequency": "digest", "digest_minutes": "240"}
    )
    assert saved.status_code == 303
    choice = db.session.get(NotificationPreference, moderator.id)
    assert (choice.frequency.value, choice.digest_minutes) == ("digest", 240)
    bad = logged_in.post(
        "/moderation/notifications", {"frequency": "often", "digest_minutes": "240"}
    )
    assert bad.status_code == 400
    assert "My notifications" in client.get("/moderation/").text


# --- readers: double opt-in -------------------------------------------------------------


def test_double_opt_in_from_tick_to_unsubscribe(
    setup: Flask, client: Any, form_token: Any, mailbox: Mailbox, logged_in: Auth
) -> None:
    from moderation import comments as domain

    ada = post(client, form_token, email="Ada@Example.org", body="My first comment.", notify=True)
    send(setup)
    [confirmation] = mailbox.to("ada@example.org")
    assert "Confirm your address" in confirmation["Subject"]
    assert "My first comment." not in text_of(confirmation) + html_of(confirmation)
    assert not is_confirmed("ada@example.org")

    # A second comment the same day asks again: no second confirmation mail.
    post(client, form_token, email="ada@example.org", body="Again.", notify=True)
    send(setup)
    assert len(mailbox.to("ada@example.org")) == 1

    # Approved before confirming: nothing goes to an unproven address.
    domain.approve(db.session.get(Comment, ada["id"]), None)
    db.session.commit()
    send(setup)
    assert len(mailbox.to("ada@example.org")) == 1

    confirm = path_of(links_in(text_of(confirmation))[-1])
    page = client.get(confirm)
    assert page.status_code == 200 and "Yes, email me about replies" in page.text
    assert not is_confirmed("ada@example.org")  # a GET changes nothing
    confirmed = client.post(confirm)
    assert confirmed.status_code == 200 and "Address confirmed" in confirmed.text
    db.session.expire_all()
    assert is_confirmed("ada@example.org")

    # A pending reply tells Ada nothing; approved, it does.
    reply = post(
        client,
        form_token,
        name="Bo",
        email="bo@example.org",
        body="I *disagree*.",
        parent_id=ada["id"],
    )
    send(setup)
    assert len(mailbox.to("ada@example.org")) == 1
    answer = logged_in.post(
        f"/moderation/comments/{reply['id']}/approve",
        {"version": db.session.get(Comment, reply["id"]).version},
    )
    assert answer.status_code == 303
    send(setup)
    [_, replied] = mailbox.to("ada@example.org")
    assert replied["Subject"] == "Bo replied to your comment on A film review"
    assert "I disagree." in text_of(replied)
    assert "<em>disagree</em>" in html_of(replied)
    assert "bo@example.org" not in text_of(replied) + html_of(replied)
    assert f"#comment-{reply['id']}" in text_of(replied)
    unsubscribe = replied["List-Unsubscribe"]
    assert replied["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(r"<http://localhost/notify/unsubscribe/\S+>", unsubscribe)
    assert unsubscribe.strip("<>") in text_of(replied)

    # Approving it again (after a trip back to pending) does not mail twice.
    comment = db.session.get(Comment, reply["id"])
    domain.restore(comment, None)
    domain.approve(comment, None)
    db.session.commit()
    send(setup)
    assert len(mailbox.to("ada@example.org")) == 2

    # One-click unsubscribe (RFC 8058): a POST, no login, no cookie.
    target = path_of(unsubscribe.strip("<>"))
    assert "Unsubscribe" in client.get(target).text
    done = client.post(target, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "no more mail" in done.text
    later = post(client, form_token, name="Cy", email="cy@example.org", parent_id=ada["id"])
    domain.approve(db.session.get(Comment, later["id"]), None)
    db.session.commit()
    send(setup)
    assert len(mailbox.to("ada@example.org")) == 2
    # The address stays proven, for the rules that trust returning authors.
    assert is_confirmed("ada@example.org")


def test_a_confirmed_reader_hears_when_their_comment_is_published(
    setup: Flask, client: Any, form_token: Any, mailbox: Mailbox
) -> None:
    from moderation import comments as domain

    first = post(client, form_token, email="dee@example.org", notify=True)
    send(setup)
    confirm = path_of(links_in(text_of(mailbox.to("dee@example.org")[0]))[-1])
    client.post(confirm)
    second = post(client, form_token, email="dee@example.org", body="Second.", notify=True)
    without = post(client, form_token, email="dee@example.org", body="Quiet.")
    for answer in (second, without):
        domain.approve(db.session.get(Comment, answer["id"]), None)
    db.session.commit()
    send(setup)
    mails = mailbox.to("dee@example.org")
    assert [m["Subject"] for m in mails] == [
        mails[0]["Subject"],
        "Your comment on A film review is published",
    ]
    assert "Second." in text_of(mails[1])
    assert mails[1]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    del first


def test_unsubscribing_drops_mails_already_waiting(
    setup: Flask, client: Any, form_token: Any, mailbox: Mailbox
) -> None:
    from moderation import comments as domain

    ada = post(client, form_token, email="ada@example.org", notify=True)
    send(setup)
    client.post(path_of(links_in(text_of(mailbox.to("ada@example.org")[0]))[-1]))
    domain.approve(db.session.get(Comment, ada["id"]), None)
    db.session.commit()
    reply = post(client, form_token, email="bo@example.org", parent_id=ada["id"])
    domain.approve(db.session.get(Comment, reply["id"]), None)
    db.session.commit()
    # Two mails wait for Ada (published, reply); she unsubscribes before they go.
    from moderation.notify.addresses import find_address, unsubscribe

    unsubscribe(find_address("ada@example.org"))
    db.session.commit()
    result = send(setup)
    assert result.dropped == 2
    assert len(mailbox.to("ada@example.org")) == 1


def test_bad_reader_links_are_refused_with_a_page(setup: Flask, client: Any) -> None:
    for path in ("/notify/confirm/x", "/notify/unsubscribe/x"):
        for method in (client.get, client.post):
            answer = method(path)
            assert answer.status_code == 400
            assert "not valid" in answer.text
    from moderation.notify import links

    unsubscribe_as_confirm = links.address_token(setup.config["SECRET_KEY"], links.UNSUBSCRIBE, 1)
    assert client.post(f"/notify/confirm/{unsubscribe_as_confirm}").status_code == 400
    unknown = links.address_token(setup.config["SECRET_KEY"], links.CONFIRM, 999)
    assert client.post(f"/notify/confirm/{unknown}").status_code == 404


def test_the_no_javascript_form_has_the_box_unticked(
    setup: Flask, client: Any, form_token: Any, mailbox: Mailbox
) -> None:
    page = client.get(f"/embed/{ARTICLE_ID}")
    assert "Email me when someone replies" in page.text
    box = re.search(r'<input[^>]*name="notify"[^>]*>', page.text)
    assert box and "checked" not in box.group(0)
    token = re.search(r'name="token"[^>]*value="([^"]+)"', page.text).group(1)
    answer = client.post(
        f"/embed/{ARTICLE_ID}",
        data={
            "name": "Eve",
            "email": "eve@example.org",
            "body": "No script here.",
            "token": token,
            "notify": "y",
        },
    )
    assert answer.status_code == 303
    send(setup)
    assert len(mailbox.to("eve@example.org")) == 1


def test_mails_are_printed_to_the_console_without_a_mail_server(
    make_app: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    app = make_app(PUBLIC_URL="http://localhost")
    with app.app_context():
        from moderation import comments as domain
        from moderation.comments.tokens import issue_token

        article = domain.create_article(ARTICLE_ID, title="A film review")
        article.url = "/posts/a-film-review"  # a page of this very site, like /demo
        db.session.add(Moderator(email="mod@example.com", password_hash="x", active=True))
        db.session.commit()
        client = app.test_client()
        post_comment(client, issue_token(app.config["SECRET_KEY"], ARTICLE_ID))
        assert send(app).sent == 1
    out = capsys.readouterr().out
    assert "no MODERATION_SMTP_HOST set" in out
    assert "To: mod@example.com" in out
    assert "What a film." in out
    assert "Approve: http://localhost/moderation/email/" in out
    assert "<http://localhost/posts/a-film-review>" in out  # absolute in a mail


def test_the_development_server_logs_no_link_token(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    with caplog.at_level(logging.INFO, logger="werkzeug"):
        logging.getLogger("werkzeug").info(
            '%s - - "%s" %s', "127.0.0.1", "POST /notify/unsubscribe/eyJhIjoxfQ.x.y HTTP/1.1", 200
        )
    assert "eyJhIjoxfQ" not in caplog.text
    assert "/notify/unsubscribe/[token]" in caplog.text


def confirmed_reader(client: Any, form_token: Any, mailbox: Mailbox, app: Flask, email: str) -> int:
    """A reader who ticked the box and confirmed: their approved comment's id."""
    from moderation import comments as domain

    answer = post(client, form_token, email=email, notify=True)
    send(app)
    confirmation = [m for m in mailbox.to(email) if "Confirm" in m["Subject"]][-1]
    client.post(path_of(links_in(text_of(confirmation))[-1]))
    domain.approve(db.session.get(Comment, answer["id"]), None)
    db.session.commit()
    return int(answer["id"])


def test_a_reply_from_the_site_tells_the_reader(
    setup: Flask,
    client: Any,
    form_token: Any,
    mailbox: Mailbox,
    logged_in: Auth,
    webhook_receiver: Any,
) -> None:
    parent = confirmed_reader(client, form_token, mailbox, setup, "fay@example.org")
    send(setup)
    before = len(mailbox.to("fay@example.org"))
    answer = logged_in.post(
        f"/moderation/comments/{parent}/reply",
        {"body": "Thank you, **Fay**.", "version": db.session.get(Comment, parent).version},
    )
    assert answer.status_code == 303
    send(setup)
    mails = mailbox.to("fay@example.org")
    assert len(mails) == before + 1
    assert "Thank you, Fay." in text_of(mails[-1])
    created = [
        d.json() for d in webhook_receiver.deliveries if d.json()["type"] == "comment.created"
    ]
    assert created[-1]["data"]["comment"]["by_moderator"] is True
    assert created[-1]["data"]["comment"]["status"] == "approved"


def test_no_mail_for_ones_own_reply_nor_for_a_rejected_one(
    setup: Flask, client: Any, form_token: Any, mailbox: Mailbox
) -> None:
    from moderation import comments as domain

    parent = confirmed_reader(client, form_token, mailbox, setup, "gil@example.org")
    send(setup)
    before = len(mailbox.to("gil@example.org"))
    own = post(client, form_token, email="GIL@example.org", parent_id=parent, body="Me again.")
    other = post(client, form_token, email="hal@example.org", parent_id=parent, body="Nope.")
    domain.approve(db.session.get(Comment, own["id"]), None)
    domain.reject(db.session.get(Comment, other["id"]), None)
    db.session.commit()
    send(setup)
    assert len(mailbox.to("gil@example.org")) == before


def test_switching_from_digest_to_none_drops_what_was_held(
    setup: Flask,
    client: Any,
    form_token: Any,
    mailbox: Mailbox,
    moderator: Moderator,
    runner: Any,
) -> None:
    runner.invoke(args=["moderators", "notifications", MODERATOR_EMAIL, "digest"])
    post(client, form_token)
    send(setup)
    runner.invoke(args=["moderators", "notifications", MODERATOR_EMAIL, "none"])
    send(setup)
    held = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.topic == "mail/new_comment")
    ).one()
    assert held.state == State.DROPPED
    assert mailbox.messages == []

    # Back to a mail each: what arrives now goes at once.
    runner.invoke(args=["moderators", "notifications", MODERATOR_EMAIL, "each"])
    post(client, form_token)
    send(setup)
    assert len(mailbox.messages) == 1
