"""Backend details: SQLite's connection settings (WAL, a busy timeout, enforced foreign
keys), and the one statement that is spelled differently on each backend."""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine

from .extensions import db

SQLITE_BUSY_TIMEOUT_MS = 5000


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def insert_unless_present(model: Any, values: dict[str, Any]) -> bool:
    """Insert a row unless one with the same key exists; True when this call added it.

    ``INSERT … ON CONFLICT DO NOTHING`` on SQLite and PostgreSQL alike: a concurrent
    request that inserted the same key first makes this a no-op, not an error.
    """
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    key = model.__mapper__.primary_key[0]
    statement = insert(model).values(values).on_conflict_do_nothing().returning(key)
    # RETURNING says whether the row went in (rowcount is not reliable across drivers).
    return db.session.execute(statement).first() is not None
