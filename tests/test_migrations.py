"""The migrations build exactly the schema the models describe, on every backend."""

from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade

from moderation import create_app
from moderation.extensions import db

from .conftest import _base_config


def test_migrated_schema_matches_the_models(app: Flask) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        assert compare_metadata(context, db.metadata) == []


def test_sqlite_runs_with_wal_busy_timeout_and_foreign_keys(app: Flask) -> None:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite connection settings")
    with db.engine.connect() as connection:
        pragma = connection.exec_driver_sql
        assert pragma("PRAGMA journal_mode").scalar() == "wal"
        assert pragma("PRAGMA busy_timeout").scalar() == 5000
        assert pragma("PRAGMA foreign_keys").scalar() == 1


def test_approved_comments_in_order_is_one_index_range_scan(app: Flask) -> None:
    from moderation.comments.models import Comment, Status

    query = (
        db.select(Comment)
        .where(Comment.article_id == "x", Comment.status == Status.APPROVED)
        .order_by(Comment.created_at, Comment.id)
    )
    sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
    with db.engine.connect() as connection:
        if db.engine.dialect.name == "sqlite":
            rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql)
            plan = " | ".join(row[-1] for row in rows)
            assert "USING INDEX ix_comment_article_status_created" in plan, plan
            assert "TEMP B-TREE" not in plan, plan
        else:
            # An empty table makes any plan cheap: forbid the sequential scan to see
            # which index the planner picks, and that it needs no sort.
            connection.exec_driver_sql("SET enable_seqscan = off")
            plan = " | ".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + sql))
            assert "ix_comment_article_status_created" in plan, plan
            assert "Sort" not in plan, plan


def plan_of(query: Any) -> str:
    """The database's plan for ``query``."""
    sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
    with db.engine.connect() as connection:
        if db.engine.dialect.name == "sqlite":
            rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql)
            return " | ".join(row[-1] for row in rows)
        return " | ".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + sql))


def test_an_authors_comments_are_found_through_the_author_index(app: Flask) -> None:
    """A post's duplicate check and the returning-author check read one author's rows,
    not the whole article's or every published comment (on PostgreSQL with statistics of
    a table where most comments are published)."""
    from moderation import comments as domain
    from moderation.comments.models import Comment, Status
    from moderation.comments.posting import duplicate_query, published_by_query
    from moderation.core.database import utcnow

    domain.create_article("x")
    rows = [
        {
            "article_id": "x",
            "author_name": f"Reader {n}",
            "email": f"reader{n % 500}@example.org",
            "body": f"Comment {n}",
            "html": f"<p>Comment {n}</p>",
            "status": Status.APPROVED if n % 10 else Status.PENDING,
        }
        for n in range(3000)
    ]
    db.session.execute(db.insert(Comment), rows)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE comment")
    for query in (
        duplicate_query("x", "Reader@example.org", "Same text", utcnow()),
        published_by_query("Reader@example.org"),
    ):
        plan = plan_of(query)
        assert "ix_comment_email_article_digest_created" in plan, plan
    # The duplicate check finds the text through its digest in the index: one point of
    # the author's rows, however many comments they wrote on the article that day.
    plan = plan_of(duplicate_query("x", "Reader@example.org", "Same text", utcnow()))
    assert "body_digest" in plan.split("ix_comment_email_article_digest_created", 1)[1], plan


def app_at(tmp_path: Path, revision: str) -> Flask:
    """An app on a new SQLite file, migrated up to ``revision``."""
    app = create_app(_base_config(tmp_path, f"sqlite:///{tmp_path / 'old.sqlite3'}"))
    with app.app_context():
        upgrade(revision=revision)
    return app


def test_the_upgrade_gives_existing_comments_their_texts_digest(tmp_path: Path) -> None:
    """Comments stored before the digest existed are found as duplicates after the upgrade."""
    from moderation.comments.models import Comment, text_digest
    from moderation.comments.posting import duplicate_query
    from moderation.core.database import utcnow

    app = app_at(tmp_path, "7b3e9d2c4f10")
    with app.app_context():
        with db.engine.begin() as connection:
            run = connection.exec_driver_sql
            run(
                "INSERT INTO article (id, title, url, closed, created_at, version) "
                "VALUES ('old', '', '', 0, '2026-01-01 00:00:00', 1)"
            )
            for n, body in enumerate(["Ünïcode text", "Plain text", "Plain text"]):
                run(
                    "INSERT INTO comment (article_id, author_name, email, website, body, html, "
                    "status, held_reason, created_at, updated_at, version) VALUES ('old', 'A', "
                    "?, '', ?, '', 'pending', '', ?, ?, 1)",
                    (f"a{n % 2}@example.org", body, utcnow(), utcnow()),
                )
        upgrade()
        rows = db.session.execute(db.select(Comment.body, Comment.body_digest)).all()
        assert [digest for _, digest in rows] == [text_digest(body) for body, _ in rows]
        assert db.session.scalar(duplicate_query("old", "a0@example.org", "Plain text", utcnow()))
        other = duplicate_query("old", "a1@example.org", "Ünïcode text", utcnow())
        assert db.session.scalar(other) is None
        db.engine.dispose()


def test_the_filter_learns_its_token_totals_and_the_old_default_threshold_moves(
    tmp_path: Path,
) -> None:
    """The upgrade fills each side's tokens from the counts kept, and moves a spam
    threshold left at the old default to the new one; the downgrade moves it back."""
    from moderation.spam.models import DEFAULT_SPAM_THRESHOLD

    before = "4d8a1f6b2e90"
    app = app_at(tmp_path, before)
    with app.app_context():
        with db.engine.begin() as connection:
            run = connection.exec_driver_sql
            run("INSERT INTO spam_filter_totals (id, spam, ham) VALUES (1, 2, 1)")
            run(
                "INSERT INTO spam_filter_token (token, spam, ham) "
                "VALUES ('check', 2, 0), ('song', 1, 1), ('gone', -1, 0)"
            )
            run(
                "INSERT INTO spam_settings (id, max_links, spam_threshold, hold_threshold, "
                "returning_authors, version, updated_at) "
                "VALUES (1, 3, 0.99, 0.8, 'premoderate', 4, '2026-01-01 00:00:00')"
            )
        upgrade()
        with db.engine.connect() as connection:
            run = connection.exec_driver_sql
            assert run("SELECT spam_tokens, ham_tokens FROM spam_filter_totals").one() == (2, 1)
            threshold, version = run("SELECT spam_threshold, version FROM spam_settings").one()
            assert (threshold, version) == (DEFAULT_SPAM_THRESHOLD, 5)
        downgrade(revision=before)
        with db.engine.begin() as connection:
            run = connection.exec_driver_sql
            assert run("SELECT spam_threshold FROM spam_settings").scalar() == 0.99
            run("UPDATE spam_settings SET spam_threshold = 0.95")
        upgrade()
        with db.engine.connect() as connection:
            # A threshold the owner chose is theirs.
            run = connection.exec_driver_sql
            assert run("SELECT spam_threshold FROM spam_settings").scalar() == 0.95
        db.engine.dispose()
