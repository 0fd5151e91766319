"""``outbox``: send the waiting mails and webhooks, once or for ever; look at what
failed and send it again."""

from __future__ import annotations

import base64
import secrets
import signal
import threading
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup

from ..core.database import db
from ..notify import outbox, worker
from ..notify.models import State
from .errors import fail

outbox_cli = AppGroup("outbox", help="Send the mails and webhooks waiting in the outbox.")


def _app() -> Any:
    return current_app._get_current_object()  # type: ignore[attr-defined]


@outbox_cli.command("send")
def outbox_send() -> None:
    """Send what is due once, then stop (for cron)."""
    app = _app()
    total = worker.Round()
    while True:
        done = worker.send_due(app)
        for name in ("sent", "retrying", "failed", "dropped", "digests"):
            setattr(total, name, getattr(total, name) + getattr(done, name))
        if done.claimed < worker.BATCH:
            break
    click.echo(f"Outbox: {total}.")


@outbox_cli.command("run")
def outbox_run() -> None:
    """Send for ever: what is due now, then every OUTBOX_POLL_SECONDS (beside the web
    server, under systemd or a container's supervisor). Stops on SIGTERM or Ctrl-C
    once the messages in hand are sent."""
    app = _app()
    stop = threading.Event()

    def stop_now(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, stop_now)
    signal.signal(signal.SIGINT, stop_now)
    click.echo("Sending the outbox; Ctrl-C stops.")
    worker.run(app, stop)
    click.echo("Stopped.")


@outbox_cli.command("list")
@click.option(
    "--state",
    type=click.Choice([s.value for s in State]),
    default=State.FAILED.value,
    show_default=True,
)
def outbox_list(state: str) -> None:
    """List messages in a state, newest first."""
    for m in outbox.messages([State(state)], limit=200):
        error = f"\t{m.last_error}" if m.last_error else ""
        click.echo(
            f"{m.id}\t{m.channel.value}\t{m.recipient}\t{outbox.describe(m)}\t"
            f"{m.attempts} tries{error}"
        )


@outbox_cli.command("retry")
@click.argument("message_ids", metavar="MESSAGE_ID...", type=int, nargs=-1, required=True)
def outbox_retry(message_ids: tuple[int, ...]) -> None:
    """Send failed messages again."""
    missing = [f"#{i}" for i in message_ids if outbox.send_again(i) is None]
    if missing:
        db.session.rollback()
        fail(f"Not failed (or no such message): {', '.join(missing)}; nothing was changed.")
    db.session.commit()
    click.echo(f"{len(message_ids)} message(s) will be sent again.")


@outbox_cli.command("webhook-secret")
def outbox_webhook_secret() -> None:
    """Print a new random secret for MODERATION_WEBHOOK_SECRET."""
    click.echo("whsec_" + base64.b64encode(secrets.token_bytes(32)).decode())
