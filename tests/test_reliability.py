"""Every comment answered 202 is stored, under concurrent writes and through a crash.

A real gunicorn with four workers on the test database (an SQLite file in WAL mode, or
PostgreSQL when MODERATION_TEST_DATABASE_URL is set), eight clients posting at once, each
post with its own form token fetched from the API.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask

from moderation import comments as domain
from moderation.extensions import db

from . import write_load
from .conftest import ARTICLE_ID
from .workers import SECRET

CLIENTS = 8
POSTS = 200


def _database(make_app: Callable[..., Flask]) -> str:
    """The migrated test database, with the article, and no connection left open."""
    app = make_app()
    with app.app_context():
        domain.create_article(ARTICLE_ID, title="A film review", url="http://blog.example/r")
        db.session.commit()
        url: str = app.config["SQLALCHEMY_DATABASE_URI"]
        db.engine.dispose()
    return url


def test_every_acknowledged_comment_is_stored_under_concurrent_posts(
    make_app: Callable[..., Flask], gunicorn: write_load.StartServer
) -> None:
    url = _database(make_app)
    figures = write_load.concurrency(gunicorn, url, SECRET, ARTICLE_ID, CLIENTS, POSTS)
    assert figures.sent == CLIENTS * POSTS
    assert figures.failed == []
    assert figures.server_errors == 0, figures.statuses
    assert figures.locked_lines == 0
    assert figures.tracebacks == 0
    # Every post was accepted, and every 202 has exactly its row: no more, no fewer.
    assert len(figures.accepted) == CLIENTS * POSTS
    assert figures.stored == figures.accepted
    assert figures.integrity in ("ok", "n/a")


def test_every_acknowledged_comment_survives_a_kill(
    make_app: Callable[..., Flask], gunicorn: write_load.StartServer
) -> None:
    url = _database(make_app)
    figures = write_load.crash(gunicorn, url, SECRET, ARTICLE_ID, CLIENTS, POSTS)
    assert len(figures.killed) == 5  # the master and its four workers
    assert figures.server_errors == 0, figures.statuses
    assert figures.locked_lines == 0
    # Everything acknowledged before the kill, and the post after the restart, is kept;
    # posts cut by the kill may or may not have been stored.
    assert len(figures.accepted) > 300
    assert figures.lost == {}
    # At most the one post in flight on each client was stored without its answer.
    assert len(figures.stored) - len(figures.accepted) <= CLIENTS
    if url.startswith("sqlite"):
        assert figures.integrity == "ok"
