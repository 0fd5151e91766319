"""The flask commands a site owner uses."""

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskCliRunner

from moderation import comments as domain
from moderation.accounts.models import Moderator
from moderation.comments.models import Comment, Status
from moderation.extensions import db


def test_setup_adds_the_demo_article_and_prints_a_moderator_password_once(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(PASSWORD_HASH_METHOD="scrypt")
    runner = app.test_cli_runner()
    with app.app_context():
        result = runner.invoke(args=["setup"])
        assert result.exit_code == 0, result.output
        assert domain.get_article("miracle-in-cell-no-7") is not None
        moderator = db.session.scalar(db.select(Moderator))
        assert moderator is not None
        password = result.output.split("password:")[1].split()[0]
        assert len(password) >= 12 and password not in moderator.password_hash
        assert moderator.password_hash.startswith("scrypt:")
        again = runner.invoke(args=["setup"])
        assert again.exit_code == 0 and "password" not in again.output


def test_articles_add_list_close_open(runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["articles", "add", "my-post", "--title", "My post", "--url", "https://b.example/p"]
    )
    assert result.exit_code == 0, result.output
    assert "my-post" in runner.invoke(args=["articles", "list"]).output
    assert runner.invoke(args=["articles", "close", "my-post"]).exit_code == 0
    assert domain.get_article("my-post").closed  # type: ignore[union-attr]
    assert runner.invoke(args=["articles", "open", "my-post"]).exit_code == 0
    assert not domain.get_article("my-post").closed  # type: ignore[union-attr]


def test_articles_add_refuses_bad_ids_and_duplicates(runner: FlaskCliRunner) -> None:
    bad = runner.invoke(args=["articles", "add", "not a slug"])
    assert bad.exit_code != 0 and "letters, digits" in bad.output
    runner.invoke(args=["articles", "add", "dup"])
    again = runner.invoke(args=["articles", "add", "dup"])
    assert again.exit_code != 0 and "already exists" in again.output


def test_comments_approve_publishes(
    app: Flask, runner: FlaskCliRunner, make_comment: Callable[..., Comment]
) -> None:
    comment = make_comment(email="shown-only-to-moderators@example.org")
    listed = runner.invoke(args=["comments", "list"])
    assert str(comment.id) in listed.output
    result = runner.invoke(args=["comments", "approve", str(comment.id)])
    assert result.exit_code == 0 and "approved" in result.output
    assert db.session.get(Comment, comment.id).status is Status.APPROVED  # type: ignore[union-attr]
    missing = runner.invoke(args=["comments", "approve", "999999"])
    assert missing.exit_code != 0 and "No comment" in missing.output


def test_closing_from_the_shell_is_in_the_audit_log(runner: FlaskCliRunner) -> None:
    from moderation.comments.models import ModerationEvent

    runner.invoke(args=["articles", "add", "logged"])
    assert runner.invoke(args=["articles", "close", "logged"]).exit_code == 0
    assert runner.invoke(args=["articles", "open", "logged"]).exit_code == 0
    events = db.session.scalars(
        db.select(ModerationEvent.action).where(ModerationEvent.article_id == "logged")
    ).all()
    assert events == ["close", "reopen"]


def test_articles_add_refuses_bad_titles_and_addresses(runner: FlaskCliRunner) -> None:
    long_title = runner.invoke(args=["articles", "add", "t1", "--title", "x" * 301])
    assert long_title.exit_code != 0 and "at most 300" in long_title.output
    script = runner.invoke(args=["articles", "add", "t2", "--url", "javascript:alert(1)"])
    assert script.exit_code != 0 and "http(s)" in script.output
    other_site = runner.invoke(args=["articles", "add", "t3", "--url", "//evil.example/x"])
    assert other_site.exit_code != 0
    assert runner.invoke(args=["articles", "add", "t4", "--url", "/posts/t4"]).exit_code == 0
