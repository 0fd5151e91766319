"""``flask --app wsgi …`` commands, one module per group."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from .articles import articles_cli
    from .comments import comments_cli
    from .moderators import moderators_cli
    from .outbox import outbox_cli
    from .setup import setup_command
    from .spam import spam_cli

    app.cli.add_command(setup_command)
    app.cli.add_command(articles_cli)
    app.cli.add_command(comments_cli)
    app.cli.add_command(moderators_cli)
    app.cli.add_command(spam_cli)
    app.cli.add_command(outbox_cli)
