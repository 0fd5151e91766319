"""The outbox as the domain sees it: written in the caller's transaction, claimed once,
retried with back-off, failed past the limit, sent again on demand."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select, update

from moderation.core.database import utcnow
from moderation.extensions import db
from moderation.notify import enqueue_mail, enqueue_webhook, is_confirmed, outbox
from moderation.notify.addresses import (
    address_for,
    confirm,
    may_mail,
    needs_confirmation,
    unsubscribe,
)
from moderation.notify.models import Channel, OutboxMessage, State


def all_messages() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_a_rollback_writes_nothing_and_a_commit_writes_the_message(app: Flask) -> None:
    enqueue_mail("mod@example.com", template="mail/test", subject="Hello", context={"n": 1})
    enqueue_webhook("http://hooks.example/in", "comment.created", {"id": 1})
    db.session.rollback()
    assert all_messages() == []

    enqueue_mail("mod@example.com", template="mail/test", subject="Hello", context={"n": 1})
    enqueue_webhook("http://hooks.example/in", "comment.created", {"id": 1})
    db.session.commit()
    mail, hook = all_messages()
    assert (mail.channel, mail.state, mail.recipient) == (
        Channel.MAIL,
        State.WAITING,
        "mod@example.com",
    )
    assert outbox.payload(mail)["context"] == {"n": 1}
    assert outbox.payload(hook)["type"] == "comment.created"
    assert outbox.payload(hook)["data"] == {"id": 1}
    assert mail.uid != hook.uid


def test_a_key_makes_a_message_unique(app: Flask) -> None:
    assert enqueue_mail("a@example.org", template="mail/t", subject="s", key="k1")
    assert not enqueue_mail("a@example.org", template="mail/t", subject="s", key="k1")
    db.session.commit()
    assert len(all_messages()) == 1


def test_a_claimed_message_is_not_claimed_again_until_its_lease_runs_out(app: Flask) -> None:
    enqueue_mail("a@example.org", template="mail/t", subject="s")
    db.session.commit()
    [(message_id, token)] = outbox.claim(10, lease=60)
    db.session.commit()
    assert outbox.claim(10, lease=60) == []
    # The worker died: its lease runs out, another claims the message again.
    db.session.execute(update(OutboxMessage).values(claimed_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    [(again, second_token)] = outbox.claim(10, lease=60)
    db.session.commit()
    assert again == message_id
    # The first worker's late result is not recorded over the second's claim.
    assert not outbox.record_sent(message_id, token)
    assert outbox.record_sent(message_id, second_token)
    db.session.commit()
    [message] = all_messages()
    assert (message.state, message.attempts) == (State.SENT, 2)
    assert message.sent_at is not None


def test_failures_back_off_then_fail_for_good(app: Flask) -> None:
    retry = outbox.Retry(limit=3, base=10, jitter=0.25)
    enqueue_mail("a@example.org", template="mail/t", subject="s")
    db.session.commit()
    delays = []
    for attempt in range(1, 4):
        db.session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
        [(message_id, token)] = outbox.claim(10, lease=60)
        before = utcnow()
        state = outbox.record_failure(message_id, token, f"refused {attempt}", retry)
        db.session.commit()
        [message] = all_messages()
        assert message.attempts == attempt
        assert message.last_error == f"refused {attempt}"
        if attempt < 3:
            assert state == State.WAITING
            delays.append((message.next_attempt_at - before).total_seconds())
        else:
            assert state == State.FAILED
    assert 7.5 <= delays[0] <= 12.6
    assert 15 <= delays[1] <= 25.1
    assert outbox.claim(10, lease=60) == []

    assert outbox.send_again(message_id) is not None
    db.session.commit()
    [message] = all_messages()
    assert (message.state, message.attempts) == (State.WAITING, 0)
    assert outbox.claim(10, lease=60)


def test_a_permanent_refusal_fails_at_once(app: Flask) -> None:
    enqueue_mail("a@example.org", template="mail/t", subject="s")
    db.session.commit()
    [(message_id, token)] = outbox.claim(10, lease=60)
    state = outbox.record_failure(
        message_id, token, "550 no such user", outbox.Retry(), permanent=True
    )
    db.session.commit()
    assert state == State.FAILED


def test_only_failed_messages_are_sent_again(app: Flask) -> None:
    enqueue_mail("a@example.org", template="mail/t", subject="s")
    db.session.commit()
    [message] = all_messages()
    assert outbox.send_again(message.id) is None
    assert outbox.send_again(10_000) is None


def test_a_held_message_waits_for_the_digest(app: Flask, moderator: object) -> None:
    enqueue_mail(
        "mod@example.com",
        template="mail/t",
        subject="s",
        hold_for_moderator=moderator.id,  # type: ignore[attr-defined]
    )
    db.session.commit()
    [message] = all_messages()
    assert message.state == State.HELD
    assert outbox.claim(10, lease=60) == []


def test_an_address_is_confirmed_only_by_its_link(app: Flask) -> None:
    assert not is_confirmed("Ada@Example.org")
    address = address_for("Ada@Example.org")
    db.session.commit()
    assert address.email == "ada@example.org"
    assert not is_confirmed("ada@example.org")
    assert not may_mail(address)
    assert needs_confirmation(address)

    address.confirmation_sent_at = utcnow()
    assert not needs_confirmation(address)
    assert needs_confirmation(address, utcnow() + timedelta(days=1, seconds=1))

    assert confirm(address)
    db.session.commit()
    assert is_confirmed("ADA@example.org")
    assert may_mail(address)
    assert not needs_confirmation(address)
    assert not confirm(address)

    # Unsubscribing stops the mail, not the proof that the address is theirs.
    assert unsubscribe(address)
    db.session.commit()
    assert is_confirmed("ada@example.org")
    assert not may_mail(address)
    assert not unsubscribe(address)


def test_adding_an_address_twice_keeps_one_row(app: Flask) -> None:
    first = address_for("bo@example.org")
    second = address_for("BO@example.org ")
    db.session.commit()
    assert first.id == second.id
    assert not is_confirmed("bo\x00@example.org")


def test_sent_messages_are_deleted_after_the_keeping_time(app: Flask) -> None:
    for n in range(3):
        enqueue_mail(f"r{n}@example.org", template="mail/t", subject="s")
    db.session.commit()
    claimed = outbox.claim(10, lease=60)
    sent, failed, fresh = claimed
    outbox.record_sent(*sent)
    outbox.record_failure(*failed, "refused", outbox.Retry(), permanent=True)
    outbox.record_sent(*fresh)
    old = utcnow() - timedelta(days=31)
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_([sent[0], failed[0]]))
        .values(sent_at=old, created_at=old)
    )
    db.session.commit()
    assert outbox.purge(30) == 1
    db.session.commit()
    left = {m.id: m.state for m in all_messages()}
    assert left == {failed[0]: State.FAILED, fresh[0]: State.SENT}
