"""Rate limits hold across worker processes: without Redis the counters live in the
app's own database, which every gunicorn worker shares."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from moderation import comments as domain
from moderation.comments.models import Article, Comment
from moderation.comments.tokens import issue_token
from moderation.extensions import db, limiter
from moderation.ratelimits import DatabaseStorage, LocalStorage, RateLimitCounter

from .conftest import ARTICLE_ID
from .helpers import post_comment
from .workers import SECRET, Gunicorn


@pytest.fixture
def storage(make_app: Callable[..., Flask]) -> Iterator[tuple[Flask, DatabaseStorage]]:
    app = make_app(RATELIMIT_ENABLED=True)
    assert app.config["RATELIMIT_STORAGE_URI"] == "database://" or app.config["REDIS_URL"]
    with app.app_context():
        yield app, DatabaseStorage()


def test_limits_use_the_database_without_redis(make_app: Callable[..., Flask]) -> None:
    app = make_app(RATELIMIT_ENABLED=True, REDIS_URL=None)
    assert app.config["RATELIMIT_STORAGE_URI"] == "database://"
    with app.app_context():
        assert isinstance(limiter.storage, DatabaseStorage)
    # Tests without limits keep them in memory; an explicit choice of memory is respected,
    # counted by the storage that starts no thread.
    assert make_app(REDIS_URL=None).config["RATELIMIT_STORAGE_URI"] == "local://"
    explicit = make_app(RATELIMIT_ENABLED=True, REDIS_URL=None, RATELIMIT_STORAGE_URI="memory://")
    assert explicit.config["RATELIMIT_STORAGE_URI"] == "local://"


@pytest.mark.parametrize("uri", ["database://", "memory://"])
def test_posting_starts_no_thread(
    make_app: Callable[..., Flask],
    article: Article,
    form_token: Callable[..., str],
    uri: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = make_app(
        RATELIMIT_ENABLED=True,
        REDIS_URL=None,
        RATELIMIT_STORAGE_URI=uri,
        POST_RATE_LIMIT="3 per minute",
    )
    client = app.test_client()
    started: list[threading.Thread] = []
    start = threading.Thread.start

    def counted(thread: threading.Thread) -> None:
        started.append(thread)
        start(thread)

    monkeypatch.setattr(threading.Thread, "start", counted)
    codes = []
    for n in range(4):
        codes.append(post_comment(client, form_token(), body=f"Comment {n}").status_code)
        time.sleep(0.02)  # longer than memory://'s timer, which would start again
    assert codes == [202, 202, 202, 429]
    assert started == []


def test_local_storage_counts_windows_and_forgets_dead_ones() -> None:
    store = LocalStorage(cleanup_every=0)
    assert [store.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    assert store.get("k") == 3 and store.get_expiry("k") > time.time() + 50
    assert store.incr("short", 0.05) == 1
    time.sleep(0.06)
    assert store.get("short") == 0 and store.incr("short", 60) == 1  # a new window
    store.incr("gone", 0.01)
    time.sleep(0.02)
    store.incr("k", 60)
    assert "gone" not in store._windows
    store.clear("k")
    assert store.get("k") == 0


def test_increments_are_atomic_under_threads(storage: tuple[Flask, DatabaseStorage]) -> None:
    app, store = storage
    seen: list[int] = []
    lock = threading.Lock()

    def hammer() -> None:
        with app.app_context():
            for _ in range(20):
                count = store.incr("hammered", 60)
                with lock:
                    seen.append(count)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Every hit got its own number: none lost, none counted twice.
    assert sorted(seen) == list(range(1, 161))
    assert store.get("hammered") == 160


def test_a_window_expires_and_starts_again(storage: tuple[Flask, DatabaseStorage]) -> None:
    _, store = storage
    before = time.time()
    assert store.incr("short", 1) == 1
    assert store.incr("short", 1) == 2
    assert store.get("short") == 2
    assert before + 1 <= store.get_expiry("short") <= time.time() + 1
    time.sleep(1.1)
    assert store.get("short") == 0
    assert store.get_expiry("short") == pytest.approx(time.time(), abs=0.5)
    # A new window: counted from one, ending a full expiry later.
    assert store.incr("short", 60) == 1
    assert store.get_expiry("short") >= time.time() + 59


def test_expired_windows_are_deleted_now_and_then(
    storage: tuple[Flask, DatabaseStorage],
) -> None:
    _, store = storage

    def stored() -> set[str]:
        return set(db.session.scalars(db.select(RateLimitCounter.key)))

    store.incr("gone", 1)
    store.incr("kept", 60)
    time.sleep(1.1)
    store.incr("other", 60)
    assert stored() == {"gone", "kept", "other"}  # at most one clean-up a minute
    eager = DatabaseStorage(cleanup_every=0)
    eager.incr("another", 60)
    assert stored() == {"kept", "other", "another"}


def test_clear_and_reset(storage: tuple[Flask, DatabaseStorage]) -> None:
    _, store = storage
    store.incr("one", 60, amount=3)
    store.incr("two", 60)
    store.clear("one")
    assert store.get("one") == 0 and store.get("two") == 1
    assert store.check()
    assert store.reset() == 1
    assert store.get("two") == 0


def test_very_long_keys_are_counted(storage: tuple[Flask, DatabaseStorage]) -> None:
    _, store = storage
    key = "LIMITER/" + "x" * 400
    assert store.incr(key, 60) == 1 and store.incr(key, 60) == 2
    assert store.get(key) == 2 and store.get(key + "y") == 0


# --- four gunicorn workers, one limit -------------------------------------------------


def _post_all_at_once(port: int, tokens: list[str]) -> list[int]:
    """Post one comment per token, each on its own connection, so that every worker takes
    one: all bodies are sent but their last byte, which keeps each worker that accepted a
    connection waiting for it; then every last byte goes out."""
    requests = []
    for n, token in enumerate(tokens):
        text = f"What a film. ({n})"  # the same text twice would be refused as a copy
        body = json.dumps(
            {"name": "Ada", "email": "ada@example.org", "body": text, "token": token}
        ).encode()
        head = (
            f"POST /api/articles/{ARTICLE_ID}/comments HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode()
        requests.append(head + body)
    connections = [socket.create_connection(("127.0.0.1", port), timeout=20) for _ in tokens]
    try:
        for connection, request in zip(connections, requests, strict=True):
            connection.sendall(request[:-1])
        time.sleep(0.5)
        for connection, request in zip(connections, requests, strict=True):
            connection.sendall(request[-1:])
        codes = []
        for connection in connections:
            answer = b""
            while b"\r\n" not in answer:
                chunk = connection.recv(4096)
                if not chunk:
                    break
                answer += chunk
            codes.append(int(answer.split(b" ", 2)[1]))
        return codes
    finally:
        for connection in connections:
            connection.close()


def test_four_workers_share_the_post_limit(
    make_app: Callable[..., Flask], gunicorn: Callable[[dict[str, str]], Gunicorn]
) -> None:
    app = make_app()
    with app.app_context():
        domain.create_article(ARTICLE_ID, title="A film review", url="http://blog.example/r")
        db.session.commit()
        database_url = app.config["SQLALCHEMY_DATABASE_URI"]
        db.engine.dispose()
    server = gunicorn(
        {
            "MODERATION_DATABASE_URL": database_url,
            "MODERATION_SECRET_KEY": SECRET,
            "MODERATION_MIN_FILL_SECONDS": "0",
            "MODERATION_POST_RATE_LIMIT": "5 per minute",
            "MODERATION_ALLOWED_ORIGINS": "http://blog.example",
        }
    )
    tokens = [issue_token(SECRET, ARTICLE_ID) for _ in range(12)]
    codes = _post_all_at_once(server.port, tokens)
    assert sorted(codes) == [202] * 5 + [429] * 7, codes
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Comment)) == 5
    assert "rate limits in database" in server.log.read_text()


# --- stored comments and attempts: two limits ---------------------------------------


def _post(client: Any, token: str, **fields: Any) -> int:
    from .helpers import post_comment

    return post_comment(client, token, **fields).status_code


def test_refused_posts_do_not_use_up_the_comment_limit(
    make_app: Callable[..., Flask], form_token: Callable[..., str]
) -> None:
    """A reader who mistypes their email four times can still post: only stored comments
    count against POST_RATE_LIMIT."""
    app = make_app(RATELIMIT_ENABLED=True, POST_RATE_LIMIT="2 per minute")
    client = app.test_client()
    with app.app_context():
        domain.create_article(ARTICLE_ID, title="A film review")
        db.session.commit()
        mistakes = [_post(client, form_token(), email="ada@example") for _ in range(4)]
        assert mistakes == [400] * 4
        # A copy of a comment already sent is refused after the count: it is given back.
        same = [_post(client, form_token(), body="The same words") for _ in range(2)]
        assert same == [202, 400]
        assert [_post(client, form_token()) for _ in range(2)] == [202, 429]
        assert db.session.scalar(db.select(db.func.count()).select_from(Comment)) == 2


def test_every_attempt_counts_against_the_looser_limit(
    make_app: Callable[..., Flask], form_token: Callable[..., str]
) -> None:
    app = make_app(
        RATELIMIT_ENABLED=True, POST_RATE_LIMIT="10 per minute", POST_ATTEMPT_LIMIT="3 per minute"
    )
    client = app.test_client()
    with app.app_context():
        domain.create_article(ARTICLE_ID, title="A film review")
        db.session.commit()
        codes = [_post(client, form_token(), email="bot@") for _ in range(3)]
        assert codes + [_post(client, form_token())] == [400, 400, 400, 429]
        # The no-JavaScript form shares both limits.
        form = client.post(f"/embed/{ARTICLE_ID}", data={"name": "A", "email": "a@example.org"})
        assert form.status_code == 429


def test_the_attempt_limit_is_a_setting() -> None:
    from moderation.config import SETTINGS, ConfigError, parse_settings

    assert SETTINGS["POST_ATTEMPT_LIMIT"].default == "30 per minute;300 per hour"
    assert parse_settings({"POST_ATTEMPT_LIMIT": "60/minute"})["POST_ATTEMPT_LIMIT"] == "60/minute"
    with pytest.raises(ConfigError, match="MODERATION_POST_ATTEMPT_LIMIT"):
        parse_settings({"POST_ATTEMPT_LIMIT": "often"})
