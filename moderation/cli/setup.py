"""``setup``: migrate, and add the demo article and a first moderator."""

from __future__ import annotations

import secrets

import click
from flask_migrate import upgrade
from sqlalchemy import select

from .. import comments as domain
from ..accounts import moderators
from ..accounts.models import Moderator
from ..core.database import db

DEMO_ARTICLE_ID = "miracle-in-cell-no-7"
DEMO_ARTICLE_TITLE = "Miracle in Cell No. 7: a father, a daughter and a prison cell"
DEMO_MODERATOR_EMAIL = "moderator@example.com"


@click.command("setup")
@click.option("--demo/--no-demo", default=True, help="Add the demo article and moderator.")
def setup_command(demo: bool) -> None:
    """Apply migrations; with --demo, add a demo article and a first moderator."""
    upgrade()
    if not demo:
        return
    if domain.get_article(DEMO_ARTICLE_ID) is None:
        domain.create_article(DEMO_ARTICLE_ID, title=DEMO_ARTICLE_TITLE, url="/demo")
        click.echo(f"Demo article: {DEMO_ARTICLE_ID}")
    if db.session.scalar(select(Moderator).limit(1)) is None:
        password = secrets.token_urlsafe(12)
        moderators.create_moderator(DEMO_MODERATOR_EMAIL, password)
        db.session.commit()
        click.echo("")
        click.echo("A moderator was created. Log in at /moderation/login with:")
        click.echo(f"  email:    {DEMO_MODERATOR_EMAIL}")
        click.echo(f"  password: {password}")
        click.echo("This password is shown only once.")
        click.echo("")
    db.session.commit()
