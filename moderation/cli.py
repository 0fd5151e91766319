"""``flask --app wsgi …`` commands: setup, articles, comments, moderators."""

from __future__ import annotations

import secrets
import sys

import click
from flask import Flask
from flask.cli import AppGroup
from flask_migrate import upgrade
from sqlalchemy import select

from . import comments as domain
from . import moderators
from .extensions import db
from .models import Comment, Moderator, Status

DEMO_ARTICLE_ID = "miracle-in-cell-no-7"
DEMO_ARTICLE_TITLE = "Miracle in Cell No. 7: a father, a daughter and a prison cell"
DEMO_MODERATOR_EMAIL = "moderator@example.com"

articles_cli = AppGroup("articles", help="Add, list, close and reopen articles.")
comments_cli = AppGroup("comments", help="List and moderate comments from the shell.")
moderators_cli = AppGroup("moderators", help="Add, list, disable and enable moderators.")


def _fail(message: str) -> None:
    raise click.ClickException(message)


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


@articles_cli.command("add")
@click.argument("article_id")
@click.option("--title", default="", help="The article's title.")
@click.option("--url", default="", help="Where the article lives.")
def articles_add(article_id: str, title: str, url: str) -> None:
    """Add an article that readers can comment on."""
    try:
        domain.create_article(article_id, title=title, url=url)
    except domain.DomainError as exc:
        _fail(exc.message)
    db.session.commit()
    click.echo(f"Added article {article_id}.")


@articles_cli.command("list")
def articles_list() -> None:
    """List articles with their approved-comment counts."""
    from .models import Article

    for article in db.session.scalars(select(Article).order_by(Article.created_at)):
        state = "closed" if article.closed else "open"
        count = domain.approved_count(article.id)
        click.echo(f"{article.id}\t{state}\t{count} approved\t{article.title}")


def _set_closed(article_id: str, closed: bool) -> None:
    article = domain.get_article(article_id)
    if article is None:
        _fail(f"No article {article_id!r}.")
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


@comments_cli.command("list")
@click.option(
    "--status",
    type=click.Choice([s.value for s in Status]),
    default=Status.PENDING.value,
    show_default=True,
)
def comments_list(status: str) -> None:
    """List comments with a given status, oldest first."""
    query = select(Comment).where(Comment.status == Status(status)).order_by(Comment.created_at)
    for c in db.session.scalars(query):
        excerpt = c.body.replace("\n", " ")[:60]
        click.echo(f"{c.id}\t{c.article_id}\t{c.author_name} <{c.email}>\t{excerpt}")


def _moderate(comment_id: int, status: Status) -> None:
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        _fail(f"No comment #{comment_id}.")
        return
    domain.set_status(comment, status, None)
    db.session.commit()
    click.echo(f"Comment #{comment_id} is now {status.value}.")


@comments_cli.command("approve")
@click.argument("comment_id", type=int)
def comments_approve(comment_id: int) -> None:
    """Publish a comment."""
    _moderate(comment_id, Status.APPROVED)


@comments_cli.command("reject")
@click.argument("comment_id", type=int)
def comments_reject(comment_id: int) -> None:
    """Refuse a comment."""
    _moderate(comment_id, Status.REJECTED)


@comments_cli.command("spam")
@click.argument("comment_id", type=int)
def comments_spam(comment_id: int) -> None:
    """File a comment as spam."""
    _moderate(comment_id, Status.SPAM)


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
    try:
        moderator = moderators.create_moderator(email, password)
    except domain.DomainError as exc:
        _fail(exc.message)
        return
    db.session.commit()
    click.echo(f"Added moderator {moderator.email}.")


@moderators_cli.command("list")
def moderators_list() -> None:
    """List moderators: email, state, when they last logged in."""
    for moderator in moderators.list_moderators():
        state = "active" if moderator.active else "disabled"
        last = moderator.last_login_at
        seen = f"last login {last:%Y-%m-%d %H:%M} UTC" if last else "never logged in"
        click.echo(f"{moderator.email}\t{state}\t{seen}")


def _set_active(email: str, active: bool) -> None:
    try:
        moderator = moderators.set_moderator_active(email, active)
    except domain.DomainError as exc:
        _fail(exc.message)
        return
    db.session.commit()
    click.echo(f"Moderator {moderator.email} is now {'active' if active else 'disabled'}.")


@moderators_cli.command("disable")
@click.argument("email")
def moderators_disable(email: str) -> None:
    """Stop a moderator from logging in; an open session stops working too."""
    _set_active(email, False)


@moderators_cli.command("enable")
@click.argument("email")
def moderators_enable(email: str) -> None:
    """Let a disabled moderator log in again."""
    _set_active(email, True)


@moderators_cli.command("password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the new password from stdin.")
def moderators_password(email: str, password_stdin: bool) -> None:
    """Give a moderator a new password."""
    try:
        moderator = moderators.get_moderator(email)
        moderators.set_password(moderator, _read_password(password_stdin))
    except domain.DomainError as exc:
        _fail(exc.message)
        return
    db.session.commit()
    click.echo(f"New password saved for {moderator.email}.")


def init_app(app: Flask) -> None:
    app.cli.add_command(setup_command)
    app.cli.add_command(articles_cli)
    app.cli.add_command(comments_cli)
    app.cli.add_command(moderators_cli)
