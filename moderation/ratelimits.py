"""Rate-limit counters in the app's own database, shared by every worker process.

Flask-Limiter keeps its counters in memory unless told otherwise, and memory is per
process: with four gunicorn workers a limit of 5 becomes 20. Without Redis the counters
live in the ``rate_limit_counter`` table instead (``database://``, the default when
``MODERATION_REDIS_URL`` is unset). Each hit is one ``INSERT … ON CONFLICT DO UPDATE …
RETURNING`` on the app's engine, in its own short transaction: atomic on SQLite and
PostgreSQL alike, and committed whatever the view then does with its own session.
"""

from __future__ import annotations

import hashlib
import threading
import time
from typing import cast

from limits.storage import Storage
from sqlalchemy import Double, Integer, String, Table, case, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from .core.database import Model, db

SCHEME = "database"
# Per-process counters, for a single worker or limits that are off (see LocalStorage).
LOCAL_SCHEME = "local"
KEY_MAX = 255
# Expired windows are deleted at most this often per process (one indexed range delete).
CLEANUP_EVERY_SECONDS = 60.0


class RateLimitCounter(Model):
    """One fixed window of one limit: how many hits, and when the window ends."""

    __tablename__ = "rate_limit_counter"

    key: Mapped[str] = mapped_column(String(KEY_MAX), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    # Unix time, as the ``limits`` library counts.
    expires_at: Mapped[float] = mapped_column(Double, index=True)


TABLE = cast(Table, RateLimitCounter.__table__)


def _stored_key(key: str) -> str:
    """The key as given, or its digest when too long for the column."""
    if len(key) <= KEY_MAX:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


class _SweptStorage(Storage):
    """A storage whose expired windows are dropped now and then, by a request that
    notices it is time (no timer thread)."""

    def __init__(
        self,
        uri: str | None = None,
        wrap_exceptions: bool = False,
        cleanup_every: float = CLEANUP_EVERY_SECONDS,
        **options: float | str | bool,
    ) -> None:
        super().__init__(uri, wrap_exceptions, **options)
        self.cleanup_every = cleanup_every
        self._next_cleanup = 0.0

    def _sweep_due(self, now: float) -> bool:
        """True at most once every ``cleanup_every`` seconds."""
        if now < self._next_cleanup:
            return False
        self._next_cleanup = now + self.cleanup_every
        return True


class DatabaseStorage(_SweptStorage):
    """A ``limits`` storage over the current app's database (fixed-window strategy).

    It opens no connection pool of its own: every call borrows a connection from the
    current app's engine (Flask-SQLAlchemy's ``db.engine``), so it runs in an app context,
    as Flask-Limiter's checks do.
    """

    STORAGE_SCHEME = [SCHEME]

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return SQLAlchemyError

    @property
    def engine(self) -> Engine:
        return db.engine

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        """Add ``amount`` to the key's window, starting a new window if it has expired."""
        now = time.time()
        insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        statement = insert(TABLE).values(
            key=_stored_key(key), count=amount, expires_at=now + expiry
        )
        expired = TABLE.c.expires_at <= now
        upsert = statement.on_conflict_do_update(
            index_elements=[TABLE.c.key],
            set_={
                # Both sides read the row as it was before this update.
                "count": case((expired, statement.excluded.count), else_=TABLE.c.count + amount),
                "expires_at": case(
                    (expired, statement.excluded.expires_at), else_=TABLE.c.expires_at
                ),
            },
        ).returning(TABLE.c.count)
        with self.engine.begin() as connection:
            count = connection.execute(upsert).scalar_one()
            if self._sweep_due(now):
                connection.execute(delete(TABLE).where(TABLE.c.expires_at <= now))
        return int(count)

    def get(self, key: str) -> int:
        query = select(TABLE.c.count).where(
            TABLE.c.key == _stored_key(key), TABLE.c.expires_at > time.time()
        )
        with self.engine.connect() as connection:
            count = connection.execute(query).scalar()
        return int(count or 0)

    def get_expiry(self, key: str) -> float:
        """When the key's window ends (now, for a key without a live window)."""
        now = time.time()
        query = select(TABLE.c.expires_at).where(
            TABLE.c.key == _stored_key(key), TABLE.c.expires_at > now
        )
        with self.engine.connect() as connection:
            expires_at = connection.execute(query).scalar()
        return float(expires_at) if expires_at is not None else now

    def check(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(select(1))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with self.engine.begin() as connection:
            return int(connection.execute(delete(TABLE)).rowcount)

    def clear(self, key: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(TABLE).where(TABLE.c.key == _stored_key(key)))


class LocalStorage(_SweptStorage):
    """Fixed-window counters in this process's memory, without a thread of their own.

    ``limits``' ``memory://`` storage starts a timer thread to expire its counters, anew
    on a hit after each quiet spell: a request would pay for starting a thread. Here an
    expired window is simply restarted by the next hit, and the dead ones are dropped at
    most once every ``cleanup_every`` seconds, in the request that notices.
    """

    STORAGE_SCHEME = [LOCAL_SCHEME]

    def __init__(
        self,
        uri: str | None = None,
        wrap_exceptions: bool = False,
        cleanup_every: float = CLEANUP_EVERY_SECONDS,
        **options: float | str | bool,
    ) -> None:
        super().__init__(uri, wrap_exceptions, cleanup_every, **options)
        self._windows: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return ValueError

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        with self._lock:
            if self._sweep_due(now):
                self._windows = {k: w for k, w in self._windows.items() if w[1] > now}
            count, expires_at = self._windows.get(key, (0, 0.0))
            if expires_at <= now:
                count, expires_at = 0, now + expiry
            count += amount
            self._windows[key] = (count, expires_at)
            return count

    def _live(self, key: str) -> tuple[int, float] | None:
        window = self._windows.get(key)
        return window if window is not None and window[1] > time.time() else None

    def get(self, key: str) -> int:
        window = self._live(key)
        return window[0] if window else 0

    def get_expiry(self, key: str) -> float:
        window = self._live(key)
        return window[1] if window else time.time()

    def check(self) -> bool:
        return True

    def reset(self) -> int | None:
        with self._lock:
            count = len(self._windows)
            self._windows.clear()
        return count

    def clear(self, key: str) -> None:
        with self._lock:
            self._windows.pop(key, None)
