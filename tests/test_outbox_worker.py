"""The worker against real failures: a rollback, a mail server that is down or hangs,
a worker killed with SIGKILL mid-send, two workers at once. Nothing is lost, nothing is
sent twice, and the reader's POST never waits for any of it."""

from __future__ import annotations

import contextvars
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from moderation import comments as domain
from moderation.accounts.models import Moderator
from moderation.core.database import utcnow
from moderation.extensions import db
from moderation.notify import enqueue_mail, worker
from moderation.notify.models import OutboxMessage, State

from .conftest import ARTICLE_ID, MODERATOR_EMAIL, Auth
from .helpers import post_comment
from .receivers import Mailbox, SilentServer, WebhookReceiver

PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture
def app(notify_app: Flask) -> Flask:
    return notify_app


def send(app: Flask) -> worker.Round:
    result = contextvars.Context().run(worker.send_due, app)
    db.session.expire_all()
    return result


def states() -> dict[str, int]:
    db.session.expire_all()
    rows = db.session.execute(
        select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
    )
    return {state.value: count for state, count in rows}


def test_a_rolled_back_comment_sends_nothing(
    app: Flask,
    article: Any,
    moderator: Moderator,
    form_token: Any,
    mailbox: Mailbox,
    webhook_receiver: WebhookReceiver,
) -> None:
    from moderation.comments.tokens import check_token

    good = check_token(app.config["SECRET_KEY"], form_token(), ARTICLE_ID, min_age=0, max_age=60)
    submission = domain.Submission(name="Ada", email="ada@example.org", website="", body="Hi")
    domain.post_comment(ARTICLE_ID, submission, good, domain.PostingRules())
    # One event, written with the comment; the worker would make it two messages.
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
    db.session.rollback()
    assert send(app).claimed == 0
    assert mailbox.messages == [] and webhook_receiver.deliveries == []

    # The same comment committed: both go out, once.
    domain.post_comment(ARTICLE_ID, submission, good, domain.PostingRules())
    db.session.commit()
    send(app)
    send(app)
    assert len(mailbox.messages) == 1 and len(webhook_receiver.deliveries) == 1


def test_mail_server_down_retries_then_fails_while_readers_post_as_usual(
    app: Flask,
    article: Any,
    moderator: Moderator,
    client: Any,
    form_token: Any,
    mailbox: Mailbox,
    logged_in: Auth,
) -> None:
    mailbox.stop()
    started = time.monotonic()
    answer = post_comment(client, form_token())
    assert answer.status_code == 202
    assert time.monotonic() - started < 2

    for _ in (1, 2):
        result = send(app)
        assert result.retrying == 1, result
        assert "could not be reached" in result.errors[0]
    assert send(app).failed == 1  # the third and last try (OUTBOX_MAX_ATTEMPTS=3)
    failed = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.state == State.FAILED)
    ).one()
    assert failed.attempts == 3 and "could not be reached" in failed.last_error
    assert send(app).claimed == 0  # failed stays failed

    page = client.get("/moderation/outbox?show=failed")
    assert page.status_code == 200
    assert "could not be reached" in page.text
    assert MODERATOR_EMAIL in page.text
    assert "Send again" in page.text
    assert client.get("/moderation/outbox").status_code == 200
    assert client.get("/moderation/outbox?show=nonsense").status_code == 404
    # Without the CSRF token, nothing happens.
    assert client.post(f"/moderation/outbox/{failed.id}/send-again").status_code == 400
    again = logged_in.post(f"/moderation/outbox/{failed.id}/send-again")
    assert again.status_code == 303
    assert logged_in.post(f"/moderation/outbox/{failed.id}/send-again").status_code == 303

    mailbox.restart()
    send(app)
    assert len(mailbox.messages) == 1
    assert states()["sent"] == 3  # the event, the mail and the webhook


def test_a_mail_server_that_refuses_the_recipient_fails_at_once(
    make_app: Any, mailbox: Mailbox
) -> None:
    from .receivers import WebhookReceiver as Receiver
    from .receivers import notify_config

    app = make_app(**notify_config(mailbox, Receiver()))

    async def refuse(server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        return "550 No such user here"

    mailbox.handle_RCPT = refuse  # type: ignore[attr-defined]
    with app.app_context():
        enqueue_mail(
            "nobody@example.org",
            template="mail/confirm",
            subject="s",
            context={
                "token": "t",
                "article_title": "A",
                "article_url": "",
                "article_id": "a",
                "max_age_days": 7,
            },
        )
        db.session.commit()
        result = send(app)
        assert result.failed == 1
        assert "refused the recipient (550)" in result.errors[0]


def _worker_env(app: Flask, **smtp: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODERATION_")}
    env.update(
        PYTHONPATH=str(PROJECT),
        MODERATION_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        MODERATION_SECRET_KEY=app.config["SECRET_KEY"],
        MODERATION_PUBLIC_URL=app.config["PUBLIC_URL"],
        MODERATION_SMTP_STARTTLS="false",
        MODERATION_WEBHOOK_URLS=" ".join(app.config["WEBHOOK_URLS"]),
        MODERATION_WEBHOOK_SECRET=app.config["WEBHOOK_SECRET"],
        **{f"MODERATION_SMTP_{k.upper()}": v for k, v in smtp.items()},
    )
    return env


def _flask(env: dict[str, str], *args: str, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "outbox", *args],
            cwd=PROJECT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def test_a_worker_killed_mid_send_leaves_the_message_to_be_sent_once(
    app: Flask,
    moderator: Moderator,
    mailbox: Mailbox,
    silent_server: SilentServer,
    tmp_path: Path,
) -> None:
    enqueue_mail(
        MODERATOR_EMAIL,
        template="mail/confirm",
        subject="Once",
        context={
            "token": "t",
            "article_title": "A",
            "article_url": "",
            "article_id": "a",
            "max_age_days": 7,
        },
    )
    db.session.commit()
    # This worker's mail server accepts the connection and never answers: it hangs
    # inside the send, the message claimed, when it is killed.
    env = _worker_env(app, host="127.0.0.1", port=str(silent_server.port), timeout="60")
    process = _flask(env, "send", log=tmp_path / "worker.log")
    deadline = time.monotonic() + 30
    while states().get("sending") != 1:
        assert process.poll() is None, (tmp_path / "worker.log").read_text()
        assert time.monotonic() < deadline, "the worker never claimed the message"
        time.sleep(0.1)
    while not silent_server.connections:
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    assert states() == {"sending": 1}
    assert mailbox.messages == []

    # Not before its lease (minutes) runs out: then the next worker sends it.
    assert send(app).claimed == 0
    db.session.execute(update(OutboxMessage).values(claimed_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert send(app).sent == 1
    assert send(app).claimed == 0
    [mail] = mailbox.messages
    assert mail["Subject"] == "Once"
    message = db.session.scalars(select(OutboxMessage)).one()
    assert (message.state, message.attempts) == (State.SENT, 2)
    assert mail["Message-ID"] == f"<{message.uid}@localhost>"


def test_two_workers_send_each_message_exactly_once(
    app: Flask, moderator: Moderator, mailbox: Mailbox, tmp_path: Path
) -> None:
    count = 300
    for n in range(count):
        enqueue_mail(
            f"reader{n}@example.org",
            template="mail/confirm",
            subject=f"Mail {n}",
            context={
                "token": "t",
                "article_title": "A",
                "article_url": "",
                "article_id": "a",
                "max_age_days": 7,
            },
        )
    db.session.commit()
    # Sending takes seconds in all (9 s for one worker alone), longer than a worker
    # process may take to start on a busy machine: both take part.
    mailbox.delay = 0.03
    env = _worker_env(app, host="127.0.0.1", port=str(mailbox.port))
    logs = [tmp_path / "one.log", tmp_path / "two.log"]
    workers = [_flask(env, "send", log=log) for log in logs]
    for process, log in zip(workers, logs, strict=True):
        assert process.wait(timeout=120) == 0, log.read_text()
    subjects = [m["Subject"] for m in mailbox.messages]
    assert len(subjects) == count, "some mails were lost or sent twice"
    assert sorted(subjects) == sorted(f"Mail {n}" for n in range(count))
    assert len({m["Message-ID"] for m in mailbox.messages}) == count
    assert states() == {"sent": count}
    # Both took part.
    outputs = [log.read_text() for log in logs]
    sent = [int(out.split("Outbox: ")[1].split(" sent")[0]) for out in outputs]
    assert sum(sent) == count and min(sent) > 0, outputs


def test_the_outbox_commands_send_list_and_send_again(
    app: Flask,
    article: Any,
    moderator: Moderator,
    client: Any,
    form_token: Any,
    mailbox: Mailbox,
    runner: Any,
    logged_in: Auth,
) -> None:
    mailbox.stop()
    post_comment(client, form_token())
    for _ in range(3):
        result = runner.invoke(args=["outbox", "send"])
        assert result.exit_code == 0, result.output
    assert "1 failed" in result.output
    listed = runner.invoke(args=["outbox", "list"])
    assert MODERATOR_EMAIL in listed.output and "could not be reached" in listed.output
    failed_id = int(listed.output.split("\t")[0])
    assert runner.invoke(args=["outbox", "retry", "999"]).exit_code == 1
    again = runner.invoke(args=["outbox", "retry", str(failed_id)])
    assert again.exit_code == 0 and "1 message(s) will be sent again" in again.output
    mailbox.restart()
    sent = runner.invoke(args=["outbox", "send"])
    assert "1 sent" in sent.output
    assert len(mailbox.messages) == 1
    # The sent tab lists the event too, and what it became.
    page = client.get("/moderation/outbox?show=sent")
    assert "comment.posted #1" in page.text
    assert "New comment by Ada Reader" in page.text
    assert "comment.created" in page.text


def test_outbox_run_sends_as_messages_arrive_and_stops_on_sigterm(
    app: Flask, moderator: Moderator, mailbox: Mailbox, tmp_path: Path
) -> None:
    env = _worker_env(app, host="127.0.0.1", port=str(mailbox.port))
    env["MODERATION_OUTBOX_POLL_SECONDS"] = "0.2"
    log = tmp_path / "run.log"
    process = _flask(env, "run", log=log)
    try:
        for n in range(3):
            enqueue_mail(
                MODERATOR_EMAIL,
                template="mail/confirm",
                subject=f"Loop {n}",
                context={
                    "token": "t",
                    "article_title": "A",
                    "article_url": "",
                    "article_id": "a",
                    "max_age_days": 7,
                },
            )
            db.session.commit()
            mailbox.wait_for(n + 1, timeout=30)
            assert len(mailbox.messages) == n + 1, log.read_text()
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0, log.read_text()
    assert "Stopped." in log.read_text()
    assert [m["Subject"] for m in mailbox.messages] == ["Loop 0", "Loop 1", "Loop 2"]


def test_an_event_whose_claim_ran_out_is_expanded_by_one_worker_only(
    app: Flask,
    article: Any,
    moderator: Moderator,
    client: Any,
    form_token: Any,
    mailbox: Mailbox,
    webhook_receiver: WebhookReceiver,
) -> None:
    from moderation.notify import outbox

    post_comment(client, form_token())
    [(event_id, first)] = outbox.claim(10, lease=60)
    db.session.commit()
    # The first worker stalls past its lease; a second one claims the event and expands it.
    db.session.execute(update(OutboxMessage).values(claimed_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    send(app)
    assert len(mailbox.messages) == 1
    # The first worker wakes up and expands it too: its result is not recorded.
    late_round = worker.Round()
    from moderation.notify.mail import Mailer
    from moderation.notify.settings import current

    def late() -> None:
        with app.app_context():
            worker._send_one(app, current(), Mailer(current()), event_id, first, late_round)
            db.session.remove()

    contextvars.Context().run(late)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 3
    send(app)
    assert len(mailbox.messages) == 1 and len(webhook_receiver.deliveries) == 1


# aiosmtpd reads a deprecated attribute of its own once a login succeeds, and warns
# that a server asking for a login without TLS is unsafe: it is, and it is a test's.
@pytest.mark.filterwarnings("ignore:Session.login_data is deprecated")
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_the_worker_logs_in_to_the_mail_server(make_app: Any) -> None:
    from aiosmtpd.smtp import AuthResult, LoginPassword

    from .receivers import Mailbox, WebhookReceiver, notify_config

    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        assert isinstance(data, LoginPassword)
        logins.append((data.login, data.password))
        return AuthResult(success=data.password == b"right password")

    # A test server without TLS, which refuses mail from anyone who did not log in.
    box = Mailbox(authenticator=authenticator, auth_require_tls=False, auth_required=True)
    box.start()
    try:
        app = make_app(
            **notify_config(
                box,
                WebhookReceiver(),
                SMTP_USERNAME="mailer",
                SMTP_PASSWORD="right password",
                SMTP_STARTTLS=False,
            )
        )
        with app.app_context():
            enqueue_mail(
                "a@example.org",
                template="mail/confirm",
                subject="Logged in",
                context={
                    "token": "t",
                    "article_title": "A",
                    "article_url": "",
                    "article_id": "a",
                    "max_age_days": 7,
                },
            )
            db.session.commit()
            assert send(app).sent == 1
    finally:
        box.stop()
    assert logins == [(b"mailer", b"right password")]
    assert [m["Subject"] for m in box.messages] == ["Logged in"]


@pytest.mark.usefixtures("article", "moderator")
def test_a_round_expands_every_posted_comment_once(
    app: Flask, client: Any, form_token: Any, mailbox: Mailbox, webhook_receiver: WebhookReceiver
) -> None:
    for _ in range(4):
        assert post_comment(client, form_token()).status_code == 202
    result = send(app)
    # The four events in one go, then the mails and webhooks they became.
    assert result.expanded == 4 and result.sent == 8
    assert states() == {"sent": 12}
    assert len(mailbox.messages) == 4 and len(webhook_receiver.deliveries) == 4
    assert send(app).claimed == 0


@pytest.mark.usefixtures("article", "moderator")
def test_an_event_that_cannot_be_expanded_holds_up_none_of_the_others(
    app: Flask, client: Any, form_token: Any, mailbox: Mailbox, webhook_receiver: WebhookReceiver
) -> None:
    from moderation.notify.models import Channel
    from moderation.notify.outbox import message_values

    assert post_comment(client, form_token()).status_code == 202
    # An event this process has nothing to expand with (written by a newer release).
    stray = OutboxMessage(**message_values(Channel.EVENT, "", "comment.unknown", {}))
    db.session.add(stray)
    db.session.commit()
    assert post_comment(client, form_token()).status_code == 202

    result = send(app)
    # The test settings retry at once, so the stray one is tried again in the same round.
    assert result.expanded == 2 and result.retrying >= 1 and result.failed == 0
    assert len(mailbox.messages) == 2 and len(webhook_receiver.deliveries) == 2
    db.session.refresh(stray)
    assert stray.state == State.WAITING
    assert "Nothing expands 'comment.unknown'" in stray.last_error
    assert states() == {"sent": 6, "waiting": 1}


@pytest.mark.usefixtures("article", "moderator")
def test_a_batch_whose_claims_ran_out_is_expanded_by_one_worker_only(
    app: Flask, client: Any, form_token: Any, mailbox: Mailbox, webhook_receiver: WebhookReceiver
) -> None:
    from moderation.notify import outbox
    from moderation.notify.mail import Mailer
    from moderation.notify.settings import current

    for _ in range(3):
        post_comment(client, form_token())
    claimed = outbox.claim(10, lease=60)
    db.session.commit()
    assert len(claimed) == 3
    # The first worker stalls past its lease; a second one claims the events.
    db.session.execute(update(OutboxMessage).values(claimed_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    send(app)
    assert len(mailbox.messages) == 3 and len(webhook_receiver.deliveries) == 3

    # The first worker wakes up and handles its batch: nothing of it is kept.
    late_round = worker.Round()

    def late() -> None:
        with app.app_context():
            worker._send_claimed(app, current(), Mailer(current()), claimed, late_round)
            db.session.remove()

    contextvars.Context().run(late)
    assert late_round.expanded == 0
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 9
    send(app)
    assert len(mailbox.messages) == 3 and len(webhook_receiver.deliveries) == 3
