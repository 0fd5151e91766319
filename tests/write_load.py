"""Write load against a real gunicorn, and a crash in the middle of it.

Two scenarios, shared by ``tests/test_reliability.py`` (which asserts on them) and
``bench/reliability.py`` (which prints them):

- ``concurrency``: ``clients`` threads post ``posts`` comments each, every one with a
  fresh form token fetched from the API, as the widget does; then the database is read.
- ``crash``: the same load, and once some comments were acknowledged the gunicorn master
  and every worker get ``SIGKILL``; a new gunicorn starts on the same database and must
  serve a post, then the database is read (and checked, on SQLite).

Plain ``http.client`` on a new connection per request (gunicorn's sync workers close
each connection anyway), so nothing but the server decides what is answered.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from sqlalchemy import create_engine, text

LOCKED = "database is locked"
# The request rate limit stays on (counted in the database, as in production without
# Redis), high enough that the load never meets it.
UNLIMITED = "100000 per minute"


class Server(Protocol):
    url: str
    log: Path
    process: Any


StartServer = Callable[[dict[str, str]], Server]


@dataclass
class Figures:
    """What one run saw from the clients' side and found in the database afterwards."""

    scenario: str
    sent: int = 0
    # Comment id -> body, for every post answered 202 (with its id in the answer).
    accepted: dict[int, str] = field(default_factory=dict, repr=False)
    statuses: Counter[int] = field(default_factory=Counter)
    # Requests that got no answer at all (expected only once the server was killed).
    failed: list[str] = field(default_factory=list, repr=False)
    # Comment id -> body, every row of the article after the run (after the restart).
    stored: dict[int, str] = field(default_factory=dict, repr=False)
    locked_lines: int = 0
    tracebacks: int = 0
    integrity: str = "n/a"
    seconds: float = 0.0
    killed: list[int] = field(default_factory=list)

    @property
    def server_errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status >= 500)

    @property
    def lost(self) -> dict[int, str]:
        """Acknowledged comments whose row is missing or holds another body."""
        return {i: b for i, b in self.accepted.items() if self.stored.get(i) != b}


class Load:
    """``clients`` threads posting ``posts`` comments each, until done or told to stop."""

    def __init__(
        self, base_url: str, article_id: str, figures: Figures, give_up_on_failure: bool = False
    ) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.article_id = article_id
        self.figures = figures
        self.run = uuid.uuid4().hex[:8]
        self.stop = threading.Event()
        # Under a crash, a client stops at its first request without an answer.
        self.give_up_on_failure = give_up_on_failure
        self.lock = threading.Lock()
        self.threads: list[threading.Thread] = []

    def _request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            headers = {"Content-Type": "application/json"} if body is not None else {}
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        with self.lock:
            self.figures.statuses[response.status] += 1
        return response.status, data

    def post_one(self, client: int, n: int) -> None:
        """Fetch a form token, post one comment with it; record the acknowledgement."""
        base = f"/api/articles/{self.article_id}"
        status, data = self._request("GET", f"{base}/form-token")
        if status != 200:
            return
        token = json.loads(data)["token"]
        body = f"Comment {n} of client {client}, run {self.run}."
        payload = json.dumps(
            {
                "name": f"Reader {client}",
                "email": f"reader{client}@example.org",
                "body": body,
                "token": token,
            }
        ).encode()
        with self.lock:
            self.figures.sent += 1
        status, data = self._request("POST", f"{base}/comments", payload)
        if status == 202:
            comment_id = int(json.loads(data)["id"])
            with self.lock:
                assert comment_id not in self.figures.accepted, "one id acknowledged twice"
                self.figures.accepted[comment_id] = body

    def _client(self, client: int, posts: int) -> None:
        for n in range(posts):
            if self.stop.is_set():
                return
            try:
                self.post_one(client, n)
            except (OSError, http.client.HTTPException) as exc:
                with self.lock:
                    self.figures.failed.append(f"client {client}, post {n}: {exc!r}")
                if self.give_up_on_failure:
                    return

    def start(self, clients: int, posts: int) -> Load:
        self.threads = [
            threading.Thread(target=self._client, args=(c, posts), daemon=True)
            for c in range(clients)
        ]
        for thread in self.threads:
            thread.start()
        return self

    def acknowledged(self) -> int:
        with self.lock:
            return len(self.figures.accepted)

    def join(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        for thread in self.threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        assert not any(t.is_alive() for t in self.threads), "the clients did not finish"


def server_environment(database_url: str, secret: str) -> dict[str, str]:
    return {
        "MODERATION_DATABASE_URL": database_url,
        "MODERATION_SECRET_KEY": secret,
        "MODERATION_MIN_FILL_SECONDS": "0",
        "MODERATION_POST_RATE_LIMIT": UNLIMITED,
        "MODERATION_POST_ATTEMPT_LIMIT": UNLIMITED,
        "MODERATION_ALLOWED_ORIGINS": "http://blog.example",
    }


def stored_comments(database_url: str, article_id: str) -> dict[int, str]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT id, body FROM comment WHERE article_id = :a"), {"a": article_id}
            )
            return {int(row.id): str(row.body) for row in rows}
    finally:
        engine.dispose()


def integrity(database_url: str) -> str:
    """SQLite's own check of the whole file ("ok"), or "n/a" on another backend."""
    if not database_url.startswith("sqlite"):
        return "n/a"
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("PRAGMA integrity_check")).scalars().all()
            return "; ".join(str(row) for row in rows)
    finally:
        engine.dispose()


def read_log(figures: Figures, *logs: Path) -> str:
    content = "".join(log.read_text(errors="replace") for log in logs)
    figures.locked_lines = sum(LOCKED in line for line in content.splitlines())
    figures.tracebacks = content.count("Traceback (most recent call last)")
    return content


# --- killing gunicorn as a crash would ---------------------------------------------------


def _state(pid: int) -> str | None:
    """The process's state letter from /proc (``Z`` for a zombie), None when gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[0]


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def kill_all(process: Any, timeout: float = 10) -> list[int]:
    """``kill -9`` the gunicorn master and every worker at once; wait until all are dead."""
    workers = children(process.pid)
    assert workers, "gunicorn has no workers to kill"
    for pid in (process.pid, *workers):
        os.kill(pid, signal.SIGKILL)
    process.wait(timeout=timeout)
    deadline = time.monotonic() + timeout
    while any(_state(pid) not in (None, "Z") for pid in workers):
        assert time.monotonic() < deadline, "a gunicorn worker survived SIGKILL"
        time.sleep(0.05)
    return [process.pid, *workers]


# --- the two scenarios ---------------------------------------------------------------


def concurrency(
    start: StartServer,
    database_url: str,
    secret: str,
    article_id: str,
    clients: int = 8,
    posts: int = 200,
) -> Figures:
    figures = Figures("concurrency")
    server = start(server_environment(database_url, secret))
    began = time.monotonic()
    Load(server.url, article_id, figures).start(clients, posts).join()
    figures.seconds = time.monotonic() - began
    figures.stored = stored_comments(database_url, article_id)
    figures.integrity = integrity(database_url)
    read_log(figures, server.log)
    return figures


def crash(
    start: StartServer,
    database_url: str,
    secret: str,
    article_id: str,
    clients: int = 8,
    posts: int = 200,
    kill_after: int = 300,
) -> Figures:
    """Kill gunicorn once ``kill_after`` comments were acknowledged, with every client
    still posting; restart it on the same database and post once more through it."""
    figures = Figures("crash")
    environ = server_environment(database_url, secret)
    server = start(environ)
    began = time.monotonic()
    load = Load(server.url, article_id, figures, give_up_on_failure=True)
    load.start(clients, posts)
    deadline = time.monotonic() + 60
    while load.acknowledged() < kill_after:
        assert time.monotonic() < deadline, "too few comments acknowledged to crash"
        assert any(t.is_alive() for t in load.threads), "the load ended before the kill"
        time.sleep(0.01)
    figures.killed = kill_all(server.process)
    load.stop.set()
    load.join()
    restarted = start(environ)
    # The restarted server takes writes again: one more comment, acknowledged and kept.
    Load(restarted.url, article_id, figures).post_one(clients, 0)
    figures.seconds = time.monotonic() - began
    figures.stored = stored_comments(database_url, article_id)
    figures.integrity = integrity(database_url)
    read_log(figures, server.log, restarted.log)
    return figures
