"""The flask commands a site owner uses."""

import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from flask.testing import FlaskCliRunner

from moderation import comments as domain
from moderation.accounts.models import Moderator
from moderation.comments.models import Comment, Status
from moderation.extensions import db

from .conftest import ARTICLE_ID

ROOT = Path(__file__).resolve().parent.parent


def _flask(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``flask --app wsgi ARGS`` as ``make run`` calls it, on a SQLite file of its own;
    what it writes to stderr (the migrations' log) and to stdout, in the order written."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MODERATION_", "FLASK_"))}
    env["PYTHONPATH"] = str(ROOT)
    env["MODERATION_DATABASE_URL"] = "sqlite:///" + str(tmp_path / "setup.sqlite3")
    env["MODERATION_SECRET_KEY"] = "a-secret-key-for-the-cli-test"
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=120,
    )


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
        assert again.exit_code == 0 and "password:" not in again.output
        assert password not in again.output


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


def test_setup_ends_with_where_to_go_and_how_to_log_in(tmp_path: Path) -> None:
    first = _flask(tmp_path, "setup", "--host", "127.0.0.1", "--port", "8123")
    assert first.returncode == 0, first.stdout
    out = first.stdout
    summary = out.index("+---")
    assert "Running upgrade" in out
    assert out.rindex("alembic") < summary, out
    tail = out[summary:]
    assert "http://127.0.0.1:8123/demo" in tail
    assert "http://127.0.0.1:8123/moderation/" in tail
    assert "moderator@example.com" in tail
    password = tail.split("password:")[1].split()[0]
    assert len(password) >= 12
    assert password not in out[:summary]

    second = _flask(tmp_path, "setup", "--host", "0.0.0.0", "--port", "8124")
    assert second.returncode == 0, second.stdout
    out = second.stdout
    summary = out.index("+---")
    assert out.rindex("alembic") < summary, out
    tail = out[summary:]
    assert "http://127.0.0.1:8124/demo" in tail and "moderator@example.com" in tail
    assert password not in out and "password:" not in out
    assert "flask --app wsgi moderators password moderator@example.com" in tail


def test_setup_refuses_a_port_already_taken_and_suggests_another(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        refused = _flask(
            tmp_path, "setup", "--check-port", "--host", "127.0.0.1", "--port", str(port)
        )
    assert refused.returncode != 0
    assert f"Port {port} on 127.0.0.1 is already in use" in refused.stdout
    assert "PORT=8080 make run" in refused.stdout
    assert "Running upgrade" not in refused.stdout and "+---" not in refused.stdout

    free = _flask(tmp_path, "setup", "--check-port", "--host", "127.0.0.1", "--port", str(port))
    assert free.returncode == 0, free.stdout
    assert f"http://127.0.0.1:{port}/demo" in free.stdout


def test_make_run_checks_the_port_and_prints_the_summary_before_serving() -> None:
    planned = subprocess.run(
        ["make", "--dry-run", "--always-make", "run", "HOST=127.0.0.9", "PORT=8765"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert planned.returncode == 0, planned.stderr
    lines = planned.stdout.splitlines()
    setup = next(i for i, line in enumerate(lines) if " setup " in f"{line} ")
    serve = next(i for i, line in enumerate(lines) if " run " in f"{line} ")
    assert "--check-port --host 127.0.0.9 --port 8765" in lines[setup]
    assert "--host 127.0.0.9 --port 8765" in lines[serve]
    assert setup < serve


def test_comments_approve_every_pending_comment_of_an_article(
    runner: FlaskCliRunner, make_comment: Callable[..., Comment]
) -> None:
    waiting = [make_comment(), make_comment()]
    spam = make_comment(Status.SPAM)
    result = runner.invoke(args=["comments", "approve", "--article", ARTICLE_ID, "--all-pending"])
    assert result.exit_code == 0, result.output
    for comment in waiting:
        assert f"Comment #{comment.id} is now approved." in result.output
        assert db.session.get(Comment, comment.id).status == Status.APPROVED  # type: ignore[union-attr]
    assert db.session.get(Comment, spam.id).status == Status.SPAM  # type: ignore[union-attr]
    again = runner.invoke(args=["comments", "spam", "--article", ARTICLE_ID, "--all-pending"])
    assert again.exit_code == 0 and "No comment to change." in again.output


def test_comments_commands_take_several_ids_and_refuse_odd_mixes(
    runner: FlaskCliRunner, make_comment: Callable[..., Comment]
) -> None:
    a, b = make_comment(), make_comment()
    result = runner.invoke(args=["comments", "reject", str(a.id), str(b.id)])
    assert result.exit_code == 0
    assert {db.session.get(Comment, c.id).status for c in (a, b)} == {Status.REJECTED}  # type: ignore[union-attr]
    for args, message in [
        (["comments", "approve"], "Name the comments"),
        (["comments", "approve", "--all-pending"], "--all-pending takes --article"),
        (["comments", "approve", "--article", ARTICLE_ID], "--article goes with --all-pending"),
        (["comments", "approve", "--article", "no-such", "--all-pending"], "No article"),
    ]:
        refused = runner.invoke(args=args)
        assert refused.exit_code == 1 and message in refused.output, args


def test_the_first_moderator_is_an_owner(runner: FlaskCliRunner) -> None:
    from moderation.accounts.models import Moderator, Role

    for email in ("first@example.com", "second@example.com"):
        result = runner.invoke(
            args=["moderators", "create", email, "--password-stdin"], input="a long passphrase\n"
        )
        assert result.exit_code == 0, result.output
    roles = dict(db.session.execute(db.select(Moderator.email, Moderator.role)).all())
    assert roles == {"first@example.com": Role.OWNER, "second@example.com": Role.MODERATOR}


def test_moderators_role_changes_a_role_but_keeps_the_last_owner(runner: FlaskCliRunner) -> None:
    from moderation.accounts.models import Role

    for email in ("first@example.com", "second@example.com"):
        runner.invoke(
            args=["moderators", "create", email, "--password-stdin"], input="a long passphrase\n"
        )
    refused = runner.invoke(args=["moderators", "role", "first@example.com", "moderator"])
    assert refused.exit_code == 1 and "last active owner" in refused.output
    done = runner.invoke(args=["moderators", "role", "second@example.com", "owner"])
    assert done.exit_code == 0 and "is now owner" in done.output
    listing = runner.invoke(args=["moderators", "list"]).output
    assert "second@example.com\towner\tactive" in listing
    assert (
        db.session.scalar(db.select(Moderator.role).where(Moderator.email == "second@example.com"))
        == Role.OWNER
    )
