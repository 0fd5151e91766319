"""``moderators``: add, list, disable, enable moderators and set their passwords."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from ..accounts import moderators
from ..accounts.models import Role
from ..core.database import db
from ..notify import preferences
from ..notify.models import Frequency
from .errors import refusals

moderators_cli = AppGroup(
    "moderators", help="Add, list, disable and enable moderators, and set their roles."
)


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


@moderators_cli.command("create")
@click.argument("email")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input instead of asking.",
)
def moderators_create(email: str, password_stdin: bool) -> None:
    """Add a moderator who can log in at /moderation/login."""
    password = _read_password(password_stdin)
    with refusals():
        moderator = moderators.create_moderator(email, password)
    db.session.commit()
    click.echo(f"Added moderator {moderator.email}.")


@moderators_cli.command("list")
def moderators_list() -> None:
    """List moderators: email, state, when they last logged in."""
    for moderator in moderators.list_moderators():
        state = "active" if moderator.active else "disabled"
        last = moderator.last_login_at
        seen = f"last login {last:%Y-%m-%d %H:%M} UTC" if last else "never logged in"
        click.echo(f"{moderator.email}\t{moderator.role.value}\t{state}\t{seen}")


def _activity_command(name: str, active: bool, help_text: str) -> click.Command:
    @click.argument("email")
    def command(email: str) -> None:
        with refusals():
            moderator = moderators.set_moderator_active(email, active)
        db.session.commit()
        click.echo(f"Moderator {moderator.email} is now {'active' if active else 'disabled'}.")

    return click.command(name, help=help_text)(command)


moderators_cli.add_command(
    _activity_command(
        "disable", False, "Stop a moderator from logging in; an open session stops working too."
    )
)
moderators_cli.add_command(
    _activity_command("enable", True, "Let a disabled moderator log in again.")
)


@moderators_cli.command("role")
@click.argument("email")
@click.argument("role", type=click.Choice([r.value for r in Role]))
def moderators_role(email: str, role: str) -> None:
    """Make a moderator an owner (settings, rules, moderators) or a moderator (the
    queue). The last active owner stays an owner."""
    with refusals():
        moderator = moderators.set_role(moderators.get_moderator(email), Role(role))
    db.session.commit()
    click.echo(f"Moderator {moderator.email} is now {moderator.role.value}.")


@moderators_cli.command("password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the new password from stdin.")
def moderators_password(email: str, password_stdin: bool) -> None:
    """Give a moderator a new password."""
    with refusals():
        moderator = moderators.get_moderator(email)
        moderators.set_password(moderator, _read_password(password_stdin))
    db.session.commit()
    click.echo(f"New password saved for {moderator.email}.")


@moderators_cli.command("notifications")
@click.argument("email")
@click.argument("frequency", type=click.Choice([f.value for f in Frequency]), required=False)
@click.option(
    "--every",
    "minutes",
    type=int,
    help="With digest: at most one digest every this many minutes (5 to 10080).",
)
def moderators_notifications(email: str, frequency: str | None, minutes: int | None) -> None:
    """Show, or choose, how a moderator hears of new comments: a mail for EACH, a
    DIGEST every N minutes, or NONE."""
    with refusals():
        moderator = moderators.get_moderator(email)
        if frequency is not None:
            preferences.set_preference(moderator.id, frequency, minutes)
    db.session.commit()
    choice = preferences.preference_of(moderator.id)
    if choice.frequency == Frequency.DIGEST:
        click.echo(f"{moderator.email}: a digest every {choice.digest_minutes} minutes.")
    elif choice.frequency == Frequency.EACH:
        click.echo(f"{moderator.email}: a mail for each new comment.")
    else:
        click.echo(f"{moderator.email}: no mail.")
