"""A psycopg connection whose every wait on the server has a deadline.

Imported only for PostgreSQL through psycopg (the ``postgres`` extra).
"""

from __future__ import annotations

from typing import Any

import psycopg

# psycopg's own interval for checking for Ctrl-C while it waits.
WAIT_INTERVAL = 0.1


class DeadlineConnection(psycopg.Connection[Any]):
    """Closes itself, and fails like a lost connection, when the server stops answering."""

    deadline: float | None = None

    def wait(self, gen: Any, interval: float = WAIT_INTERVAL, timeout: float | None = None) -> Any:
        if timeout is None:
            timeout = self.deadline
        try:
            return super().wait(gen, interval, timeout)
        except psycopg.OperationalError as exc:
            # psycopg's wait timeout is private (``errors._WaitTimeout``); any other
            # failure is raised as it is.
            if type(exc).__name__ != "_WaitTimeout":
                raise
            self.close()
            raise psycopg.OperationalError(
                f"the database server did not answer within {timeout:g} seconds"
            ) from None


def connect_with_deadline(seconds: float, *args: Any, **kwargs: Any) -> DeadlineConnection:
    connection = DeadlineConnection.connect(*args, **kwargs)
    connection.deadline = seconds
    return connection
