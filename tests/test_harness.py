"""The test client behaves like a real server: each request has its own app context and
database session, so a view that forgets to commit fails its tests."""

from __future__ import annotations

import click
from flask import Flask
from flask.testing import FlaskCliRunner

from moderation.comments.models import Article
from moderation.extensions import db

from .conftest import ARTICLE_ID


def _retitle(commit: bool) -> str:
    article = db.session.get(Article, ARTICLE_ID)
    assert article is not None
    article.title = "Changed by the request"
    if commit:
        db.session.commit()
    return "done"


def _title() -> str:
    article = db.session.get(Article, ARTICLE_ID)
    assert article is not None
    return article.title


def test_a_view_that_does_not_commit_changes_nothing(app: Flask, article: Article) -> None:
    app.add_url_rule("/forgets-to-commit", "forgets", lambda: _retitle(commit=False))
    app.add_url_rule("/reads", "reads", _title)
    client = app.test_client()
    assert client.get("/forgets-to-commit").text == "done"
    assert _title() == "A film review"
    # The next request starts afresh too: nothing of the first one's session is left.
    assert client.get("/reads").text == "A film review"


def test_what_a_view_commits_is_seen_by_the_test(app: Flask, article: Article) -> None:
    app.add_url_rule("/commits", "commits", lambda: _retitle(commit=True))
    assert app.test_client().get("/commits").text == "done"
    assert article.title == "Changed by the request"


def test_a_command_that_does_not_commit_changes_nothing(
    app: Flask, runner: FlaskCliRunner, article: Article
) -> None:
    @app.cli.command("forgets-to-commit")
    def forgets() -> None:
        click.echo(_retitle(commit=False))

    assert runner.invoke(args=["forgets-to-commit"]).output == "done\n"
    assert _title() == "A film review"
