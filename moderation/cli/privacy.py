"""``privacy export|erase`` for one person, and ``purge`` (for cron) for everyone."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import AppGroup

from ..core.database import db
from ..core.text import email_problem, normalize_email
from ..privacy.person import erase_person, export_person
from ..privacy.retention import purge
from .errors import fail

privacy_cli = AppGroup("privacy", help="Show or forget what is stored about one person.")


def _address(email: str) -> str:
    email = normalize_email(email)
    if email_problem(email):
        fail("Give the person's email address, like reader@example.org.")
    return email


@privacy_cli.command("export")
@click.argument("email")
def privacy_export(email: str) -> None:
    """Print, as JSON, everything stored about EMAIL."""
    document = export_person(_address(email))
    click.echo(json.dumps(document, ensure_ascii=False, indent=2))


@privacy_cli.command("erase")
@click.argument("email")
@click.option("--delete", "delete_them", is_flag=True, help="Delete the comments too.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def privacy_erase(email: str, delete_them: bool, yes: bool) -> None:
    """Forget EMAIL: their comments say "Anonymous" and lose the email, IP address and
    website (the text stays), or are deleted with --delete. The audit log records that
    it happened, without the address."""
    email = _address(email)
    what = "delete every comment" if delete_them else "anonymise every comment"
    if not yes:
        click.confirm(f"This will {what} written with that address. Go on?", abort=True)
    erased = erase_person(email, delete_them=delete_them)
    db.session.commit()
    done = "Deleted" if delete_them else "Anonymised"
    counts = ", ".join(f"{count} {name}" for name, count in erased.counts.items())
    click.echo(f"{done}: {counts}." if counts else "Nothing was stored about that address.")


@click.command("purge")
def purge_command() -> None:
    """Remove IP addresses older than MODERATION_IP_RETENTION_DAYS and delete rejected and
    spam comments older than MODERATION_SPAM_RETENTION_DAYS. Run it daily from cron."""
    config = current_app.config
    purged = purge(
        ip_retention_days=config["IP_RETENTION_DAYS"],
        spam_retention_days=config["SPAM_RETENTION_DAYS"],
    )
    db.session.commit()
    click.echo(
        f"Removed {purged.addresses} IP address(es) older than {config['IP_RETENTION_DAYS']} "
        f"days and deleted {purged.comments} rejected or spam comment(s) older than "
        f"{config['SPAM_RETENTION_DAYS']} days."
    )
