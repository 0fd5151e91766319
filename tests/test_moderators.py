"""Moderators as domain functions, and the ``flask moderators`` commands."""

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from moderation import create_app
from moderation.accounts import moderators
from moderation.accounts.models import Moderator, Role
from moderation.accounts.moderators import authenticate, find_moderator
from moderation.accounts.passwords import hash_password
from moderation.comments import DomainError
from moderation.extensions import db


def test_created_moderator_can_authenticate_with_a_scrypt_hash(
    make_app: Callable[..., Flask],
) -> None:
    with make_app(PASSWORD_HASH_METHOD="scrypt").app_context():
        moderator = moderators.create_moderator("  Editor@Example.com ", "a long passphrase")
        db.session.commit()
        assert moderator.email == "editor@example.com"  # stored lower-cased
        assert moderator.password_hash.startswith("scrypt:")
        assert "a long passphrase" not in moderator.password_hash
        assert authenticate("editor@example.com", "a long passphrase") == moderator
        assert authenticate("editor@example.com", "wrong passphrase") is None


def test_production_hashes_with_scrypt(tmp_path: Path) -> None:
    """The tests' cheap hashing is their own setting: an app without it uses scrypt."""
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"})
    assert app.config["PASSWORD_HASH_METHOD"] == "scrypt"
    with app.app_context():
        assert hash_password("a long passphrase").startswith("scrypt:")


def test_the_tests_hash_cheaply(app: Flask) -> None:
    moderator = moderators.create_moderator("editor@example.com", "a long passphrase")
    db.session.commit()
    assert moderator.password_hash.startswith("pbkdf2:sha256:1000$")
    assert authenticate("editor@example.com", "a long passphrase") == moderator


def test_email_is_unique_whatever_its_case(app: Flask) -> None:
    moderators.create_moderator("editor@example.com", "a long passphrase")
    with pytest.raises(DomainError, match="already a moderator"):
        moderators.create_moderator("EDITOR@example.com", "another passphrase")


@pytest.mark.parametrize("email", ["", "not-an-email", "a@b", "x" * 250 + "@example.com"])
def test_bad_emails_are_refused(app: Flask, email: str) -> None:
    with pytest.raises(DomainError, match="valid email"):
        moderators.create_moderator(email, "a long passphrase")


def test_short_passwords_are_refused(app: Flask) -> None:
    with pytest.raises(DomainError, match="at least 8"):
        moderators.create_moderator("editor@example.com", "short")
    assert find_moderator("editor@example.com") is None


def test_disabled_moderator_cannot_authenticate_and_can_be_enabled_again(
    make_moderator: Callable[..., Moderator],
) -> None:
    make_moderator("editor@example.com", "a long passphrase", role=Role.MODERATOR)
    moderators.disable_moderator("Editor@example.com")
    db.session.commit()
    assert authenticate("editor@example.com", "a long passphrase") is None
    moderators.enable_moderator("editor@example.com")
    assert authenticate("editor@example.com", "a long passphrase") is not None


def test_disabling_an_unknown_moderator_says_so(app: Flask) -> None:
    with pytest.raises(DomainError, match="no moderator nobody@example.com"):
        moderators.disable_moderator("nobody@example.com")


def test_list_is_in_the_order_they_were_added(make_moderator: Callable[..., Moderator]) -> None:
    make_moderator("first@example.com")
    make_moderator("second@example.com", active=False)
    assert [m.email for m in moderators.list_moderators()] == [
        "first@example.com",
        "second@example.com",
    ]


# --- the commands -----------------------------------------------------------------


def test_create_asks_for_the_password_twice(runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["moderators", "create", "editor@example.com"],
        input="a long passphrase\na long passphrase\n",
    )
    assert result.exit_code == 0, result.output
    assert "Added moderator editor@example.com." in result.output
    assert result.output.count("Password") == 1 and "Repeat for confirmation" in result.output
    assert authenticate("editor@example.com", "a long passphrase") is not None


def test_create_refuses_two_different_passwords(runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["moderators", "create", "editor@example.com"],
        input="a long passphrase\nanother passphrase\n",
    )
    assert result.exit_code != 0
    assert find_moderator("editor@example.com") is None


def test_create_reads_the_password_from_stdin(runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["moderators", "create", "editor@example.com", "--password-stdin"],
        input="from a pipe, 1234\n",
    )
    assert result.exit_code == 0, result.output
    assert "Password" not in result.output
    assert authenticate("editor@example.com", "from a pipe, 1234") is not None


def test_create_explains_what_is_wrong(
    runner: FlaskCliRunner, make_moderator: Callable[..., Moderator]
) -> None:
    make_moderator("editor@example.com")
    result = runner.invoke(
        args=["moderators", "create", "editor@example.com", "--password-stdin"],
        input="a long passphrase\n",
    )
    assert result.exit_code == 1
    assert "There is already a moderator editor@example.com." in result.output
    result = runner.invoke(
        args=["moderators", "create", "new@example.com", "--password-stdin"], input="short\n"
    )
    assert result.exit_code == 1 and "at least 8 characters" in result.output


def test_list_and_disable(runner: FlaskCliRunner, make_moderator: Callable[..., Moderator]) -> None:
    make_moderator("first@example.com")
    make_moderator("second@example.com")
    result = runner.invoke(args=["moderators", "disable", "second@example.com"])
    assert result.exit_code == 0
    assert "Moderator second@example.com is now disabled." in result.output
    lines = runner.invoke(args=["moderators", "list"]).output.splitlines()
    assert lines == [
        "first@example.com\towner\tactive\tnever logged in",
        "second@example.com\tmoderator\tdisabled\tnever logged in",
    ]
    result = runner.invoke(args=["moderators", "disable", "third@example.com"])
    assert result.exit_code == 1 and "There is no moderator third@example.com." in result.output


def test_setup_creates_the_demo_moderator_once_and_prints_its_password(
    runner: FlaskCliRunner,
) -> None:
    result = runner.invoke(args=["setup"])
    assert result.exit_code == 0, result.output
    password = result.output.split("password: ")[1].split()[0]
    assert authenticate("moderator@example.com", password) is not None
    again = runner.invoke(args=["setup"])
    assert again.exit_code == 0 and "password:" not in again.output
    assert password not in again.output
    assert len(moderators.list_moderators()) == 1
