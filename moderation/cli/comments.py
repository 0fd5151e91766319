"""``comments``: list and moderate comments from the shell."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from .. import comments as domain
from ..comments.models import Comment, Status
from ..core.database import db
from .errors import fail

comments_cli = AppGroup("comments", help="List and moderate comments from the shell.")


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
        fail(f"No comment #{comment_id}.")
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
