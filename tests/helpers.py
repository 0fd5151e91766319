"""Small helpers shared by the test modules."""

from __future__ import annotations

import itertools
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.test import TestResponse

# Each post says something new unless a test chooses the text: the same text from the
# same address on the same article within a day is refused as a duplicate.
_posts = itertools.count(1)


def post_comment(
    client: FlaskClient, token: str, article_id: str = "a-film-review", **fields: Any
) -> TestResponse:
    data: dict[str, Any] = {
        "name": "Ada Reader",
        "email": "ada@example.org",
        "body": f"What a film. ({next(_posts)})",
        "token": token,
    }
    data.update(fields)
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(f"/api/articles/{article_id}/comments", json=data)


@contextmanager
def count_queries(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements sent to ``engine`` inside the block, in order.

    ``with count_queries(db.engine) as statements: ...`` then ``len(statements)``.
    """
    statements: list[str] = []

    def listener(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def axe_violations(page: Any) -> list[str]:
    """axe-core over the whole page, open shadow roots and iframes' documents included."""
    from .conftest import AXE

    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => {
          const r = await axe.run(document, { resultTypes: ['violations'] });
          return r.violations.map((v) =>
            `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' > ')).join(', ')})`);
        }"""
    )
    return list(result)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
