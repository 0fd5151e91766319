"""``comments``: list and moderate comments from the shell."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from .. import comments as domain
from ..comments.actions import ACTIONS, STATUS_FOR
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


def _moderate(comment_ids: tuple[int, ...], status: Status) -> None:
    """Move every named comment to ``status``, or none of them if one is missing."""
    if not comment_ids:
        click.echo("No comment to change.")
        return
    comments = [db.session.get(Comment, comment_id) for comment_id in comment_ids]
    missing = [f"#{i}" for i, comment in zip(comment_ids, comments, strict=True) if comment is None]
    if missing:
        fail(f"No comment {', '.join(missing)}; nothing was changed.")
    for comment in filter(None, comments):
        domain.set_status(comment, status, None)
    db.session.commit()
    for comment_id in comment_ids:
        click.echo(f"Comment #{comment_id} is now {status.value}.")


def _pending_of(article_id: str) -> tuple[int, ...]:
    if domain.get_article(article_id) is None:
        fail(f"No article {article_id!r}.")
    query = (
        select(Comment.id)
        .where(Comment.article_id == article_id, Comment.status == Status.PENDING)
        .order_by(Comment.created_at, Comment.id)
    )
    return tuple(db.session.scalars(query))


def _status_command(name: str, status: Status, help_text: str) -> click.Command:
    @click.argument("comment_ids", metavar="[COMMENT_ID]...", type=int, nargs=-1)
    @click.option("--article", "article_id", help="With --all-pending: the article's id.")
    @click.option(
        "--all-pending", is_flag=True, help="Every pending comment of --article, oldest first."
    )
    def command(comment_ids: tuple[int, ...], article_id: str | None, all_pending: bool) -> None:
        if all_pending:
            if not article_id or comment_ids:
                fail("--all-pending takes --article ARTICLE_ID and no comment ids.")
            comment_ids = _pending_of(article_id)
        elif article_id:
            fail("--article goes with --all-pending.")
        elif not comment_ids:
            fail("Name the comments (ids), or --article ARTICLE_ID --all-pending.")
        _moderate(comment_ids, status)

    return click.command(name, help=help_text)(command)


for _name, _status in STATUS_FOR.items():
    comments_cli.add_command(_status_command(_name, _status, str(ACTIONS[_name].help)))
