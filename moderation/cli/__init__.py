"""``flask --app wsgi …`` commands, one module per group."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from .articles import articles_cli
    from .comments import comments_cli
    from .importing import export_command, import_command
    from .moderators import moderators_cli
    from .outbox import outbox_cli
    from .privacy import privacy_cli, purge_command
    from .setup import setup_command
    from .spam import spam_cli

    app.cli.add_command(setup_command)
    app.cli.add_command(articles_cli)
    app.cli.add_command(comments_cli)
    app.cli.add_command(moderators_cli)
    app.cli.add_command(import_command)
    app.cli.add_command(export_command)
    app.cli.add_command(privacy_cli)
    app.cli.add_command(purge_command)
    app.cli.add_command(spam_cli)
    app.cli.add_command(outbox_cli)
