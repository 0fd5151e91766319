"""``setup``: migrate, add the demo article and a first moderator, say where to go next."""

from __future__ import annotations

import secrets
import socket

import click
from sqlalchemy import select

from .. import comments as domain
from ..accounts import moderators
from ..accounts.models import Moderator
from ..core.database import db

DEMO_ARTICLE_ID = "miracle-in-cell-no-7"
DEMO_ARTICLE_TITLE = "Miracle in Cell No. 7: a father, a daughter and a prison cell"
DEMO_MODERATOR_EMAIL = "moderator@example.com"


def port_in_use(host: str, port: int) -> bool:
    """Whether a server could not listen on ``host:port`` (something else already does)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror:
        return False  # an unknown host: let the server say so
    with socket.socket(family, kind, proto) as sock:
        # As the development server does, so a port left in TIME_WAIT counts as free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError:
            return True
    return False


def base_url(host: str, port: int) -> str:
    """The address to open in a browser for a server listening on ``host:port``."""
    if host in ("0.0.0.0", ""):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def framed(lines: list[str]) -> str:
    width = max(len(line) for line in lines)
    rule = "+" + "-" * (width + 4) + "+"
    body = [f"|  {line.ljust(width)}  |" for line in lines]
    return "\n".join([rule, *body, rule])


@click.command("setup")
@click.option("--demo/--no-demo", default=True, help="Add the demo article and moderator.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Where the server listens.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--check-port",
    is_flag=True,
    help="Stop before migrating when something already listens on --host/--port.",
)
def setup_command(demo: bool, host: str, port: int, check_port: bool) -> None:
    """Apply migrations; with --demo, add a demo article and a first moderator.

    Ends with the addresses of the demo and the dashboard (for a server on --host and
    --port) and the moderator to log in with.
    """
    if check_port and port_in_use(host, port):
        other = 8080 if port != 8080 else 8081
        raise click.ClickException(
            f"Port {port} on {host} is already in use: another server is listening there.\n"
            f"Stop it, or choose another port, for example:  PORT={other} make run"
        )
    from flask_migrate import upgrade  # Alembic: only the commands load it

    upgrade()
    password = None
    if demo:
        if domain.get_article(DEMO_ARTICLE_ID) is None:
            domain.create_article(DEMO_ARTICLE_ID, title=DEMO_ARTICLE_TITLE, url="/demo")
        if db.session.scalar(select(Moderator).limit(1)) is None:
            password = secrets.token_urlsafe(12)
            moderators.create_moderator(DEMO_MODERATOR_EMAIL, password)
        db.session.commit()

    url = base_url(host, port)
    lines = [f"Demo blog:  {url}/demo", f"Dashboard:  {url}/moderation/", ""]
    moderator = db.session.scalar(select(Moderator).order_by(Moderator.id).limit(1))
    if moderator is None:
        lines.append("No moderator yet. Add one with:")
        lines.append("  flask --app wsgi moderators create EMAIL")
    else:
        lines.append("Log in with")
        lines.append(f"  email:     {moderator.email}")
        if password is not None:
            lines.append(f"  password:  {password}")
            lines.append("This password is shown only this once: note it now.")
        else:
            lines.append("Forgot the password? Set a new one with:")
            lines.append(f"  flask --app wsgi moderators password {moderator.email}")
    click.echo("")
    click.echo(framed(lines))
    click.echo("")
