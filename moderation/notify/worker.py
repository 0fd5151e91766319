"""The worker: claims what is due in the outbox, sends it, records what happened.

``send_due`` is one round (``flask outbox send``, for cron); ``run`` loops
(``flask outbox run``, beside the web server); ``start_thread`` runs the loop inside the
web server itself, the way ``make run`` does it with SQLite. Any number of them may run
at once: each message is claimed by one worker at a time (see ``outbox.claim``).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any, TypeVar

from flask import Flask, render_template
from sqlalchemy import event, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ..core.database import db
from ..core.i18n import _, english, match_locale, speaking
from .addresses import find_address, may_mail
from .compose import prepare
from .links import UNSUBSCRIBE, address_token
from .mail import DeliveryError, Mailer, build_message
from .models import Channel, OutboxMessage, State
from .outbox import (
    EXPANDERS,
    READER,
    WRITTEN,
    claim,
    payload,
    purge,
    record_all_sent,
    record_dropped,
    record_failure,
    record_sent,
    subject_of,
)
from .preferences import send_digests
from .settings import NotifySettings, current
from .webhooks import deliver

log = logging.getLogger(__name__)
T = TypeVar("T")

# Messages claimed per round; each is held (leased) long enough for all of them to time
# out one after the other, and a minute more.
BATCH = 10

# Why a reader's mail was not sent (kept in English, as every outbox error).
NOT_SUBSCRIBED = _("The reader unsubscribed, or never confirmed the address.")


@dataclass
class Round:
    """What one round did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    dropped: int = 0
    digests: int = 0
    expanded: int = 0
    claimed: int = 0
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"{self.sent} sent, {self.retrying} to retry, {self.failed} failed, "
            f"{self.dropped} dropped, {self.digests} digest(s) written"
        )


def lease_seconds(settings: NotifySettings, batch: int = BATCH) -> float:
    return batch * (max(settings.smtp_timeout, settings.webhook_timeout) + 5) + 60


def send_due(app: Flask, *, batch: int = BATCH, console: IO[str] | None = None) -> Round:
    """One round: write the digests that are due, then claim and send up to ``batch``
    messages (and, when some were events, the messages they became). Each result is
    committed as soon as it is known."""
    result = Round()
    with app.app_context():
        settings = current()
        mailer = Mailer(settings, console)
        try:
            _purge_now_and_then(app)
            result.digests = _commit(send_digests)
            for _ in range(EXPANSION_ROUNDS):
                claimed = _commit(lambda: claim(batch, lease_seconds(settings, batch)))
                result.claimed += len(claimed)
                expanded = result.expanded
                _send_claimed(app, settings, mailer, claimed, result)
                if result.expanded == expanded:
                    break
        finally:
            mailer.close()
            db.session.remove()
    return result


# Old sent messages are deleted at most this often (seconds), by each process.
PURGE_INTERVAL = 600.0
_last_purge: dict[int, float] = {}


def _purge_now_and_then(app: Flask) -> None:
    now = time.monotonic()
    if now - _last_purge.get(id(app), -PURGE_INTERVAL) < PURGE_INTERVAL:
        return
    _last_purge[id(app)] = now
    deleted = _commit(lambda: purge(app.config["OUTBOX_KEEP_DAYS"]))
    if deleted:
        log.info(
            "Deleted %d sent message(s) older than %d days", deleted, app.config["OUTBOX_KEEP_DAYS"]
        )


# A round sends what its events became too, down to this many claims.
EXPANSION_ROUNDS = 3


def _commit(work: Callable[[], T]) -> T:
    try:
        value = work()
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        raise
    return value


def _send_claimed(
    app: Flask,
    settings: NotifySettings,
    mailer: Mailer,
    claimed: list[tuple[int, str]],
    result: Round,
) -> None:
    """Handle what one claim took: its events together, then each mail and webhook."""
    for message_id, token in _expand_events(claimed, result):
        _send_one(app, settings, mailer, message_id, token, result)


def _expand_events(claimed: list[tuple[int, str]], result: Round) -> list[tuple[int, str]]:
    """Expand the claimed events together, with one commit for all of them; what is left
    to send one by one (mails, webhooks, or every message when the batch did not go
    through).

    An event does nothing outside the database, so a batch can be all or nothing: when
    one event cannot be expanded, or another worker took over a claim that ran out,
    nothing of the batch is kept, and each message then goes through ``_send_one``,
    which records each result on its own. A reader's comment costs the sending thread a
    share of a commit rather than a commit of its own (it shares the process, and the
    database's write lock, with the web requests).
    """
    if not claimed:
        return claimed
    events = db.session.scalars(
        select(OutboxMessage)
        .where(
            OutboxMessage.id.in_([i for i, _token in claimed]),
            OutboxMessage.channel == Channel.EVENT,
        )
        .order_by(OutboxMessage.id)
    ).all()
    batch = [(message.id, message.topic) for message in events]
    if not batch:
        return claimed
    try:
        for message in events:
            _expand(message)
        # One claim, one token for all it took (``outbox.claim``).
        recorded = record_all_sent([i for i, _topic in batch], claimed[0][1])
        if recorded:
            db.session.commit()
    except Exception:  # any failure: each event again on its own, which records it
        recorded = False
    if not recorded:
        db.session.rollback()
        log.info("Outbox: %d event(s) to expand one by one", len(batch))
        return claimed
    result.expanded += len(batch)
    for message_id, topic in batch:
        log.info("Outbox #%d (%s) expanded", message_id, topic)
    done = {i for i, _topic in batch}
    return [(i, token) for i, token in claimed if i not in done]


def _send_one(
    app: Flask,
    settings: NotifySettings,
    mailer: Mailer,
    message_id: int,
    token: str,
    result: Round,
) -> None:
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        return
    try:
        if message.channel == Channel.MAIL:
            reason = _send_mail(app, settings, mailer, message)
            if reason:
                record_dropped(message_id, token, reason)
                db.session.commit()
                result.dropped += 1
                log.info("Outbox #%d (%s) dropped: %s", message_id, message.topic, reason)
                return
        elif message.channel == Channel.EVENT:
            _expand(message)
        else:
            _send_webhook(settings, message)
    except DeliveryError as exc:
        db.session.rollback()
        _failed(message_id, token, exc.message, settings, result, permanent=exc.permanent)
        return
    except Exception as exc:  # a template or programming error: keep it visible, retry
        db.session.rollback()
        log.exception("Outbox #%d could not be prepared", message_id)
        _failed(message_id, token, f"Could not be prepared: {type(exc).__name__}", settings, result)
        return
    channel, topic = message.channel, message.topic
    if not record_sent(message_id, token):
        # The claim ran out and another worker holds the message now: what this one
        # expanded is dropped, so an event never becomes its messages twice.
        db.session.rollback()
        log.warning("Outbox #%d (%s): the claim ran out before the result", message_id, topic)
        return
    db.session.commit()
    if channel == Channel.EVENT:
        result.expanded += 1
        log.info("Outbox #%d (%s) expanded", message_id, topic)
        return
    result.sent += 1
    log.info("Outbox #%d (%s) sent", message_id, topic)


def _failed(
    message_id: int,
    token: str,
    error: str,
    settings: NotifySettings,
    result: Round,
    *,
    permanent: bool = False,
) -> None:
    state = record_failure(message_id, token, error, settings.retry, permanent=permanent)
    db.session.commit()
    result.errors.append(error)
    if state == State.FAILED:
        result.failed += 1
        log.warning("Outbox #%d failed for good: %s", message_id, error)
    else:
        result.retrying += 1
        log.info("Outbox #%d will be retried: %s", message_id, error)


def _send_mail(
    app: Flask, settings: NotifySettings, mailer: Mailer, message: OutboxMessage
) -> str | None:
    """Render and send a mail; the reason it must not go, if any."""
    data = payload(message)
    headers: dict[str, str] = {}
    extra: dict[str, Any] = {}
    address = None
    if data.get("audience") == READER:
        address = find_address(message.recipient)
        if address is None or not may_mail(address):
            return english(NOT_SUBSCRIBED)
    base = app.config["PUBLIC_URL"] or "http://localhost"
    # The recipient's language (see ``enqueue_mail``), the subject's too.
    locale = match_locale(data.get("locale")) or app.config["DEFAULT_LOCALE"]
    with app.test_request_context("/", base_url=base), speaking(locale):
        from ..urls import external_url_for

        subject = str(subject_of(data))
        if address is not None:
            unsubscribe = external_url_for(
                "public.unsubscribe",
                token=address_token(settings.secret_key, UNSUBSCRIBE, address.id),
                lang=locale,
            )
            headers["List-Unsubscribe"] = f"<{unsubscribe}>"
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
            extra["unsubscribe_url"] = unsubscribe
        # Each value by name, and all of them as ``mail`` (for the templates' macros).
        context = prepare(data.get("context", {}), settings.secret_key, base)
        context.update(extra, subject=subject)
        context["mail"] = dict(context)
        text = render_template(f"{data['template']}.txt", **context)
        html = render_template(f"{data['template']}.html", **context)
    mailer.send(
        build_message(
            settings,
            to=message.recipient,
            subject=subject,
            text=text,
            html=html,
            uid=message.uid,
            headers=headers,
        )
    )
    return None


def _expand(message: OutboxMessage) -> None:
    """An event becomes its mails and webhooks, committed with the event's "sent"."""
    expander = EXPANDERS.get(message.topic)
    if expander is None:
        raise DeliveryError(f"Nothing expands {message.topic!r} events in this process")
    expander(payload(message))
    db.session.flush()


def _send_webhook(settings: NotifySettings, message: OutboxMessage) -> None:
    if not settings.webhook_secret:
        raise DeliveryError("MODERATION_WEBHOOK_SECRET is not set", permanent=True)
    deliver(
        message.recipient,
        message.uid,
        message.payload.encode(),
        settings.webhook_secret,
        settings.webhook_timeout,
    )


# --- the loop --------------------------------------------------------------------------

_wake: set[threading.Event] = set()
# How long a woken sending thread waits for more before its round (seconds).
GATHER_SECONDS = 0.2


@event.listens_for(Session, "after_commit")
def _wake_workers(session: Session) -> None:
    """A commit that wrote to the outbox wakes this process's sending thread at once."""
    if session.info.pop(WRITTEN, False):
        for waiting in list(_wake):
            waiting.set()


@event.listens_for(Session, "after_rollback")
def _forget_written(session: Session) -> None:
    session.info.pop(WRITTEN, None)


def run(app: Flask, stop: threading.Event | None = None, *, console: IO[str] | None = None) -> None:
    """Send for ever (until ``stop`` is set): a round, then a pause of
    ``OUTBOX_POLL_SECONDS`` unless there was more to send or a commit woke it up."""
    stop = stop or threading.Event()
    wake = threading.Event()
    _wake.add(wake)
    poll = float(app.config["OUTBOX_POLL_SECONDS"])
    failures = 0
    try:
        while not stop.is_set():
            try:
                done = send_due(app, console=console)
                failures = 0
            except Exception:
                failures += 1
                log.exception("The outbox worker could not reach the database")
                stop.wait(min(60.0, poll * 2**failures))
                continue
            if done.claimed >= BATCH:
                continue
            if wake.wait(poll):
                # Comments come in bursts: what a moment more brings goes in the same
                # round, a claim and a commit for many rather than for each.
                stop.wait(GATHER_SECONDS)
            wake.clear()
    finally:
        _wake.discard(wake)


_threads: dict[tuple[int, int], tuple[threading.Thread, threading.Event]] = {}
_threads_lock = threading.Lock()


def thread_wanted(app: Flask) -> bool:
    """``OUTBOX_THREAD``, or, unset: on with SQLite outside the tests."""
    wanted = app.config["OUTBOX_THREAD"]
    if wanted is not None:
        return bool(wanted)
    return not app.testing and app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")


def start_thread(app: Flask) -> threading.Thread:
    """The sending thread of this app in this process (started once per process, so a
    forked web server worker starts its own)."""
    key = (os.getpid(), id(app))
    running = _threads.get(key)
    if running is not None and running[0].is_alive():
        return running[0]
    with _threads_lock:
        running = _threads.get(key)
        if running is None or not running[0].is_alive():
            stop = threading.Event()
            thread = threading.Thread(target=run, args=(app, stop), name="outbox", daemon=True)
            thread.start()
            running = _threads[key] = (thread, stop)
            log.info("Sending the outbox from a background thread")
    return running[0]


def stop_threads(timeout: float = 10) -> None:
    """Stop this process's sending threads, after the message in hand."""
    with _threads_lock:
        running = list(_threads.values())
        _threads.clear()
    for _thread, stop in running:
        stop.set()
    for _wake_event in list(_wake):
        _wake_event.set()
    for thread, _stop in running:
        thread.join(timeout)
