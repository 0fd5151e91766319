"""The full export: valid against docs/export-schema.json, restored by `import json`
into an empty database, and the same document again after the round trip."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import delete, select

from moderation import comments as domain
from moderation.accounts.models import Moderator
from moderation.comments.models import Article, Comment, ModerationEvent, Status, text_digest
from moderation.extensions import db
from moderation.importers import run_import
from moderation.importers.export import export_chunks
from moderation.importers.sections import SECTIONS
from moderation.notify.addresses import address_for, confirm
from moderation.notify.models import Frequency
from moderation.notify.preferences import set_preference
from moderation.spam import rules
from moderation.spam.models import RuleAction, RuleKind

from .conftest import Auth

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "docs" / "export-schema.json").read_text())
WXR = ROOT / "tests" / "imports" / "wordpress.xml"


def export_document() -> dict[str, Any]:
    return json.loads("".join(export_chunks()))


def without_date(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key != "exported_at"}


def fill(make_comment: Callable[..., Comment], make_moderator: Callable[..., Moderator]) -> None:
    """A bit of everything: every status, a reply, a site reply, imported comments."""
    moderator = make_moderator("boss@example.com")
    first = make_comment(Status.APPROVED, body="*First*", email="ada@example.org")
    reply = make_comment(Status.APPROVED, body="A reply", parent=first)
    make_comment(Status.SPAM)
    make_comment(Status.REJECTED)
    make_comment(Status.PENDING, body="Wait for me")
    domain.reply_from_dashboard(reply, moderator, "From the site")
    domain.close_article(db.session.get(Article, first.article_id), True, moderator)
    # The other areas' tables: a reader's confirmed address, a moderator's choice of
    # mails, the owner's rules and settings.
    confirm(address_for("ada@example.org"))
    set_preference(moderator.id, Frequency.DIGEST, 30)
    rules.add_rule(RuleAction.SPAM, RuleKind.WORD, "casino", ["body"])
    rules.settings_row()
    db.session.commit()
    run_import("wordpress", WXR, batch_size=2)


def empty_the_database() -> None:
    for section in reversed(SECTIONS):
        db.session.execute(delete(section.table))
    db.session.commit()


def test_the_export_is_valid_against_its_schema(
    app: Flask, make_comment: Callable[..., Comment], make_moderator: Callable[..., Moderator]
) -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    fill(make_comment, make_moderator)
    document = export_document()
    jsonschema.Draft202012Validator(SCHEMA).validate(document)
    assert document["format"] == "moderation-export" and document["version"] == 1
    assert len(document["comments"]) == 6 + 9
    assert [m["email"] for m in document["moderators"]] == ["boss@example.com"]
    assert "password_hash" not in json.dumps(document)
    emails = {c["email"] for c in document["comments"]}
    assert "ada@example.org" in emails and "" in emails  # private fields, imported ones too
    assert [a["email"] for a in document["email_addresses"]] == ["ada@example.org"]
    assert document["email_addresses"][0]["confirmed_at"] is not None
    assert [p["frequency"] for p in document["notification_preferences"]] == ["digest"]
    assert [(r["action"], r["pattern"]) for r in document["spam_rules"]] == [("spam", "casino")]
    assert len(document["spam_settings"]) == 1


def test_an_empty_database_exports_a_valid_document(app: Flask) -> None:
    document = export_document()
    jsonschema.Draft202012Validator(SCHEMA).validate(document)
    assert all(document[s.name] == [] for s in SECTIONS)


def test_round_trip_gives_the_same_document(
    app: Flask,
    make_comment: Callable[..., Comment],
    make_moderator: Callable[..., Moderator],
    runner: FlaskCliRunner,
    tmp_path: Path,
) -> None:
    fill(make_comment, make_moderator)
    path = tmp_path / "export.json"
    result = runner.invoke(args=["export", str(path)])
    assert result.exit_code == 0, result.output
    before = json.loads(path.read_text())

    empty_the_database()
    assert db.session.scalars(select(Comment)).first() is None
    result = runner.invoke(args=["import", "json", str(path)])
    assert result.exit_code == 0, result.output
    assert "Created 3 article(s) (0 already here) and 15 comment(s) from json." in result.output
    assert "and 1 moderators." in result.output
    assert "1 moderator(s) restored without a password" in result.output

    after = export_document()
    for old, new in zip(before["comments"], after["comments"], strict=True):
        assert old == new
    assert without_date(after) == without_date(before)
    # The text's digest is not exported: each restored comment has it again, so a copy
    # sent after the restore is still found as a duplicate.
    assert "body_digest" not in after["comments"][0]
    for body, digest in db.session.execute(select(Comment.body, Comment.body_digest)):
        assert digest == text_digest(body)

    # New rows get ids after the restored ones (PostgreSQL's sequences follow).
    article = db.session.get(Article, "a-film-review")
    assert article is not None
    domain.close_article(article, False)
    newer = make_comment(Status.PENDING, body="After the restore")
    assert newer.id > max(c["id"] for c in before["comments"])


def test_a_second_restore_adds_nothing(
    app: Flask,
    make_comment: Callable[..., Comment],
    make_moderator: Callable[..., Moderator],
    tmp_path: Path,
) -> None:
    fill(make_comment, make_moderator)
    path = tmp_path / "export.json"
    path.write_text("".join(export_chunks()))
    summary = run_import("json", path)
    assert summary.comments_created == 0 and summary.articles_created == 0
    assert summary.skipped["comments already here (same id)"] == 15
    assert summary.skipped["moderators already here (same id)"] == 1


def test_a_restored_moderator_cannot_log_in_until_given_a_password(
    app: Flask, make_moderator: Callable[..., Moderator], auth: Auth, tmp_path: Path
) -> None:
    make_moderator("boss@example.com", "a long password here")
    path = tmp_path / "export.json"
    path.write_text("".join(export_chunks()))
    empty_the_database()
    run_import("json", path)
    restored = db.session.scalar(select(Moderator))
    assert restored is not None and restored.email == "boss@example.com"
    refused = auth.login("boss@example.com", "a long password here")
    assert refused.status_code == 401 and "/moderation/login" not in refused.headers.get(
        "Location", ""
    )


def test_a_row_that_does_not_fit_refuses_the_whole_file(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    document = export_document()
    document["articles"] = [
        {"id": "fine", "title": "", "url": "", "closed": False,
         "created_at": "2024-01-01T00:00:00Z", "version": 1, "details_from_reader": False},
        {"id": "broken", "title": "", "url": "", "closed": "no",
         "created_at": "2024-01-01T00:00:00Z", "version": 1, "details_from_reader": False},
    ]  # fmt: skip
    path = tmp_path / "export.json"
    path.write_text(json.dumps(document))
    result = runner.invoke(args=["import", "json", str(path)])
    assert result.exit_code == 1
    assert "export.json: articles #2: closed: expected true or false. Nothing was imported." in (
        result.output
    )
    assert db.session.get(Article, "fine") is None


def test_unknown_sections_are_skipped_with_a_warning(app: Flask, tmp_path: Path) -> None:
    document = export_document()
    document["subscriptions"] = [{"id": 1}]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(document))
    summary = run_import("json", path)
    assert "section 'subscriptions' is not known here: skipped" in summary.warnings


def test_export_to_standard_output(
    runner: FlaskCliRunner, make_comment: Callable[..., Comment]
) -> None:
    make_comment(Status.APPROVED)
    result = runner.invoke(args=["export", "-"])
    assert result.exit_code == 0
    assert len(json.loads(result.stdout)["comments"]) == 1


def test_the_dashboard_download(
    logged_in: Auth, make_comment: Callable[..., Comment], moderator: Moderator
) -> None:
    make_comment(Status.PENDING, email="private@example.org")
    page = logged_in.client.get("/moderation/data")
    assert page.status_code == 200 and "Download everything (JSON)" in page.text
    response = logged_in.post("/moderation/data/export", buffered=True)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith('attachment; filename="comments-')
    document = json.loads(response.get_data(as_text=True))
    jsonschema.Draft202012Validator(SCHEMA).validate(document)
    assert document["comments"][0]["email"] == "private@example.org"
    # Who took everything is in the log, and in the file itself.
    assert document["audit_events"][-1]["action"] == "export"
    assert document["audit_events"][-1]["moderator_id"] == moderator.id
    assert db.session.scalar(select(ModerationEvent).where(ModerationEvent.action == "export"))


def test_the_dashboard_download_needs_a_login_and_the_csrf_token(
    client: Any, logged_in: Auth
) -> None:
    assert logged_in.client.post("/moderation/data/export").status_code == 400
    logged_in.client.post("/moderation/logout", data={"csrf_token": logged_in.token()})
    assert logged_in.client.get("/moderation/data").status_code in (302, 303)


def test_dates_in_the_export_are_utc(app: Flask, make_comment: Callable[..., Comment]) -> None:
    comment = make_comment(Status.APPROVED)
    comment.created_at = datetime(2020, 5, 6, 7, 8, 9, tzinfo=UTC)
    db.session.commit()
    assert export_document()["comments"][0]["created_at"] == "2020-05-06T07:08:09Z"


def test_rows_pointing_at_missing_ones_are_refused_with_a_message(
    app: Flask, make_comment: Callable[..., Comment], runner: FlaskCliRunner, tmp_path: Path
) -> None:
    make_comment(Status.APPROVED)
    document = export_document()
    document["articles"] = []  # the comment's article is not in the file
    empty_the_database()
    path = tmp_path / "export.json"
    path.write_text(json.dumps(document))
    result = runner.invoke(args=["import", "json", str(path)])
    assert result.exit_code == 1
    assert "export.json: the database refused a batch (" in result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)


def test_values_a_column_cannot_hold_refuse_the_file(
    app: Flask, make_comment: Callable[..., Comment], runner: FlaskCliRunner, tmp_path: Path
) -> None:
    make_comment(Status.APPROVED)
    document = export_document()
    empty_the_database()
    path = tmp_path / "export.json"
    for field, value, message in [
        ("author_name", "x" * 101, "author_name: longer than 100 characters"),
        ("body", "nul\x00", "body: expected text"),
        ("version", 2**40, "version: expected a whole number"),
        ("status", "maybe", "'maybe' is not a valid Status"),
        ("created_at", "2020-01-01T00:00:00", "created_at: a date needs its time zone"),
    ]:
        broken = json.loads(json.dumps(document))
        broken["comments"][0][field] = value
        path.write_text(json.dumps(broken))
        result = runner.invoke(args=["import", "json", str(path)])
        assert result.exit_code == 1, field
        assert message in result.output, result.output
    assert db.session.scalar(select(Comment)) is None
