"""The database: the declarative base, the session (``db``), column types every area
uses, the engine's options (hidden parameters, timeouts), SQLite's connection settings
(WAL, enforced foreign keys), and the one statement that is spelled differently on each
backend."""

from __future__ import annotations

import enum
import math
import sqlite3
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, Enum, MetaData, TypeDecorator, event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase

# A statement that outlives the server's own statement timeout by this much is given up
# on by the client: a hung server (stopped, swapped out) cannot enforce its own limit.
CLIENT_GRACE_SECONDS = 1.0


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


db = SQLAlchemy(model_class=Base)

if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model


def string_enum(kind: type[enum.StrEnum], name: str) -> Enum:
    """A column of ``kind``'s values, stored as short strings with a CHECK constraint
    (no native enum type: SQLite and PostgreSQL alike, changed by a plain migration)."""
    return Enum(
        kind,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        values_callable=lambda members: [m.value for m in members],
    )


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def engine_options(url: str, *, connect_timeout: float, statement_timeout: float) -> dict[str, Any]:
    """The engine's options: parameters never in error messages, and bounded waits.

    ``connect_timeout`` bounds a new connection and the wait for a pooled one (and, on
    SQLite, for the write lock); ``statement_timeout`` bounds each statement on
    PostgreSQL. Zero means no limit.
    """
    options: dict[str, Any] = {"pool_pre_ping": True, "hide_parameters": True}
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        # The busy timeout: how long a write waits for another one to finish. A file
        # never drops a connection, so no ping before each use (a statement every time).
        options["connect_args"] = {"timeout": connect_timeout}
        options["pool_pre_ping"] = False
        return options
    if connect_timeout:
        options["pool_timeout"] = connect_timeout
    if backend == "postgresql":
        connect_args: dict[str, Any] = {}
        if connect_timeout:
            # libpq counts whole seconds (and at least 2).
            connect_args["connect_timeout"] = max(1, math.ceil(connect_timeout))
        if statement_timeout:
            connect_args["options"] = f"-c statement_timeout={round(statement_timeout * 1000)}"
        options["connect_args"] = connect_args
    return options


def limit_client_waits(engine: Engine, statement_timeout: float) -> None:
    """Give up on a PostgreSQL server that does not answer at all.

    The server's ``statement_timeout`` ends slow statements, but a server that is hung
    (stopped, out of memory) enforces nothing, and the driver would wait forever: each
    worker would block until the web server kills it. With psycopg, every wait on the
    connection (pings included) is bounded by the statement timeout plus a grace; past
    it the connection is closed and the usual "database unavailable" error follows.
    """
    if not statement_timeout or engine.dialect.name != "postgresql":
        return
    if engine.dialect.driver != "psycopg":
        return
    from .deadline import connect_with_deadline

    seconds = statement_timeout + CLIENT_GRACE_SECONDS

    @event.listens_for(engine, "do_connect")
    def _connect(dialect: Any, record: Any, cargs: Any, cparams: Any) -> Any:
        return connect_with_deadline(seconds, *cargs, **cparams)


def commit_keeping_loaded() -> None:
    """Commit without expiring what the session holds: for a request that answers from
    the rows it has just written (what was flushed is what is stored) and reads nothing
    else afterwards. A plain commit would read each of them again on first use."""
    session = db.session()
    kept = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = kept


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


# Ids are 32-bit on every backend: anything larger names nothing (and would overflow).
MAX_ID = 2**31 - 1


def is_id(value: str | int) -> bool:
    """A plausible row id: digits only (no "²"), 1 to 2**31 - 1."""
    text = str(value)
    return text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_ID
