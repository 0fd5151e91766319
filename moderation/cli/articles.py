"""``articles``: add, list, close and reopen articles."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from .. import comments as domain
from ..comments.models import Article
from ..core.database import db
from .errors import fail, refusals

articles_cli = AppGroup("articles", help="Add, list, close and reopen articles.")


@articles_cli.command("add")
@click.argument("article_id")
@click.option("--title", default="", help="The article's title.")
@click.option("--url", default="", help="Where the article lives.")
def articles_add(article_id: str, title: str, url: str) -> None:
    """Add an article that readers can comment on."""
    with refusals():
        domain.create_article(article_id, title=title, url=url)
    db.session.commit()
    click.echo(f"Added article {article_id}.")


@articles_cli.command("list")
def articles_list() -> None:
    """List articles with their approved-comment counts."""
    for article in db.session.scalars(select(Article).order_by(Article.created_at)):
        state = "closed" if article.closed else "open"
        count = domain.approved_count(article.id)
        click.echo(f"{article.id}\t{state}\t{count} approved\t{article.title}")


def _closing_command(name: str, closed: bool, help_text: str) -> click.Command:
    @click.argument("article_id")
    def command(article_id: str) -> None:
        article = domain.get_article(article_id)
        if article is None:
            fail(f"No article {article_id!r}.")
        domain.close_article(article, closed)
        db.session.commit()
        click.echo(f"Comments on {article_id} are now {'closed' if closed else 'open'}.")

    return click.command(name, help=help_text)(command)


articles_cli.add_command(_closing_command("close", True, "Stop accepting comments on an article."))
articles_cli.add_command(_closing_command("open", False, "Accept comments on an article again."))
