"""A moderator's email is one account whatever its case: stored lower-cased, unique."""

from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from moderation import create_app
from moderation.accounts import moderators
from moderation.accounts.models import Moderator
from moderation.core.exceptions import DomainError
from moderation.extensions import db

BEFORE = "10675bc6eeaf"


def test_an_email_is_stored_lower_cased_and_found_in_any_case(app: Flask) -> None:
    created = moderators.create_moderator("  Boss@Example.COM ", "long enough password")
    db.session.commit()
    assert created.email == "boss@example.com"
    assert moderators.authenticate("bOSS@example.com", "long enough password") == created
    with pytest.raises(DomainError, match="already a moderator"):
        moderators.create_moderator("BOSS@EXAMPLE.COM", "another password")


def test_the_database_refuses_a_second_account_differing_only_by_case(app: Flask) -> None:
    db.session.add(Moderator(email="Twin@Example.org", password_hash="x"))
    db.session.commit()
    db.session.add(Moderator(email="twin@example.ORG", password_hash="x"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def _app_before_the_change(tmp_path: Path) -> Flask:
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{tmp_path}/old.sqlite3"}
    )
    with app.app_context():
        upgrade(revision=BEFORE)
    return app


def _insert(app: Flask, *emails: str) -> None:
    with app.app_context():
        for email in emails:
            db.session.execute(
                text(
                    "INSERT INTO moderator (email, password_hash, active, created_at) "
                    "VALUES (:email, 'x', 1, '2026-01-01 00:00:00')"
                ),
                {"email": email},
            )
        db.session.commit()


def test_the_upgrade_lower_cases_existing_emails(tmp_path: Path) -> None:
    app = _app_before_the_change(tmp_path)
    _insert(app, "Chief@Example.ORG", "Ünter@Example.de")
    with app.app_context():
        upgrade()
        emails = db.session.scalars(db.select(Moderator.email).order_by(Moderator.id)).all()
        assert emails == ["chief@example.org", "ünter@example.de"]
        assert moderators.find_moderator("CHIEF@example.org") is not None
        db.engine.dispose()


def test_the_upgrade_stops_on_two_accounts_that_differ_only_by_case(tmp_path: Path) -> None:
    app = _app_before_the_change(tmp_path)
    _insert(app, "same@example.org", "Same@Example.org")
    # Flask-Migrate's command prints the error and exits; its undecorated form raises.
    with app.app_context(), pytest.raises(RuntimeError, match="#1 and #2 have the same email"):
        upgrade.__wrapped__()  # type: ignore[attr-defined]
    with app.app_context():
        emails = db.session.scalars(text("SELECT email FROM moderator ORDER BY id")).all()
        assert emails == ["same@example.org", "Same@Example.org"]  # nothing half-done
        db.engine.dispose()
