"""``articles``: add, list, close and reopen articles."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from .. import comments as domain
from ..comments.models import Article
from ..core.database import db
from .errors import fail

articles_cli = AppGroup("articles", help="Add, list, close and reopen articles.")


@articles_cli.command("add")
@click.argument("article_id")
@click.option("--title", default="", help="The article's title.")
@click.option("--url", default="", help="Where the article lives.")
def articles_add(article_id: str, title: str, url: str) -> None:
    """Add an article that readers can comment on."""
    try:
        domain.create_article(article_id, title=title, url=url)
    except domain.DomainError as exc:
        fail(exc.message)
    db.session.commit()
    click.echo(f"Added article {article_id}.")


@articles_cli.command("list")
def articles_list() -> None:
    """List articles with their approved-comment counts."""
    for article in db.session.scalars(select(Article).order_by(Article.created_at)):
        state = "closed" if article.closed else "open"
        count = domain.approved_count(article.id)
        click.echo(f"{article.id}\t{state}\t{count} approved\t{article.title}")


def _set_closed(article_id: str, closed: bool) -> None:
    article = domain.get_article(article_id)
    if article is None:
        fail(f"No article {article_id!r}.")
        return
    domain.close_article(article, closed)
    db.session.commit()
    click.echo(f"Comments on {article_id} are now {'closed' if closed else 'open'}.")


@articles_cli.command("close")
@click.argument("article_id")
def articles_close(article_id: str) -> None:
    """Stop accepting comments on an article."""
    _set_closed(article_id, True)


@articles_cli.command("open")
@click.argument("article_id")
def articles_open(article_id: str) -> None:
    """Accept comments on an article again."""
    _set_closed(article_id, False)
