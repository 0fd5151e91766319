"""The production recipe, for real: gunicorn with the shipped ``gunicorn.conf.py``, and a
PostgreSQL cluster of the test's own that is stopped, then hung with SIGSTOP."""

from __future__ import annotations

import os
import re
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask_migrate import upgrade

from moderation import comments as domain
from moderation import create_app
from moderation.extensions import db

from .conftest import csrf_from
from .gunicorn_server import Answer, Browserless, Cluster, Gunicorn, postgres_bindir


def wait_for_lines(path: Path, *needles: str, seconds: float = 5) -> str:
    """The log, once every request named has reached it (workers write in any order)."""
    deadline = time.monotonic() + seconds
    text = ""
    while time.monotonic() < deadline:
        text = path.read_text() if path.exists() else ""
        if all(needle in text for needle in needles):
            return text
        time.sleep(0.05)
    raise AssertionError(f"{needles!r} never all reached {path}:\n{text}")


def test_the_access_log_keeps_no_dashboard_query_string(tmp_path: Path) -> None:
    server = Gunicorn(tmp_path, {"MODERATION_DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"})
    try:
        client = Browserless(server.url)
        search = client.request("/moderation/?q=secret.person%40private.example&status=all")
        assert search.status == 302
        login = client.request("/moderation/login?next=%2Fmoderation%2F%3Fq%3Dsecret.person")
        assert login.status == 200
        link = client.request("/notify/confirm/SECRETLINKTOKEN.abc")
        assert link.status == 400
        one_click = client.request("/moderation/email/SECRETACTIONTOKEN")
        assert one_click.status == 400
        widget = client.request(
            "/embed.js?from=public-page",
            headers={"Referer": f"{server.url}/moderation/?q=secret.referrer%40private.example"},
        )
        assert widget.status == 200
        log = wait_for_lines(
            server.access_log,
            "/embed.js?from",
            "/moderation/ HTTP",
            "/login HTTP",
            "/notify/confirm/",
            "/moderation/email/",
        )
    finally:
        server.stop()

    assert "secret" not in log
    assert "SECRET" not in log  # a token from a mail is as good as its link
    assert '"GET /notify/confirm/[token] HTTP/1.1" 400' in log
    assert '"GET /moderation/email/[token] HTTP/1.1" 400' in log
    assert '"GET /moderation/ HTTP/1.1" 302' in log
    assert '"GET /moderation/login HTTP/1.1" 200' in log
    # Elsewhere the query string stays: it is the blogs' business, not a moderator's.
    assert '"GET /embed.js?from=public-page HTTP/1.1" 200' in log
    assert f'"{server.url}/moderation/"' in log
    # Each line ends with the request id an error page would show.
    assert str(widget.header("X-Request-Id")) in log


# --- a sick database ---------------------------------------------------------------------

BINDIR = postgres_bindir()
TIMEOUT = 2  # MODERATION_DB_CONNECT_TIMEOUT and _STATEMENT_TIMEOUT, in seconds


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    if BINDIR is None or not Path("/usr/sbin/runuser").exists() or os.geteuid() != 0:
        message = "needs PostgreSQL's server binaries (/usr/lib/postgresql/*/bin) and root"
        if os.environ.get("CI") == "true":
            pytest.fail(message + ": CI must run this test")
        pytest.skip(message)
    cluster = Cluster(BINDIR)
    try:
        app = create_app({"SECRET_KEY": "migrations", "DATABASE_URL": cluster.url})
        with app.app_context():
            upgrade()
            domain.create_article("t1", title="A film review", url="http://blog.example/t1")
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
        yield cluster
    finally:
        cluster.remove()


def assert_unavailable(answer: Answer, *, json: bool) -> None:
    assert answer.status == 503, (answer.status, answer.body[:300])
    assert int(answer.header("Retry-After") or 0) > 0
    if json:
        assert answer.header("Content-Type") == "application/json"
        assert "unavailable" in answer.body
    else:
        assert str(answer.header("Content-Type")).startswith("text/html")
        assert "Please try again" in answer.body


@pytest.mark.cluster
@pytest.mark.timeout(90)
def test_a_stopped_or_hung_database_is_a_quick_503_and_assets_keep_answering(
    cluster: Cluster, tmp_path: Path
) -> None:
    server = Gunicorn(
        tmp_path,
        {
            "MODERATION_DATABASE_URL": cluster.url,
            "MODERATION_DB_CONNECT_TIMEOUT": str(TIMEOUT),
            "MODERATION_DB_STATEMENT_TIMEOUT": str(TIMEOUT),
        },
        workers=2,
    )
    client = Browserless(server.url)
    api = "/api/articles/t1/comments"
    try:
        assert client.request(api).status == 200

        # (a) Stopped: every page says so, in its own way; the widget's script answers.
        cluster.stop()
        assert_unavailable(client.request(api), json=True)
        embed = client.request("/embed/t1")
        assert_unavailable(embed, json=False)
        assert "error.css" in embed.body
        login_page = client.request("/moderation/login")
        assert login_page.status == 200
        login = client.request(
            "/moderation/login",
            data={
                "email": "mod@example.com",
                "password": "correct horse battery",
                "csrf_token": csrf_from(login_page.body),
            },
        )
        assert_unavailable(login, json=False)
        assert "dashboard.css" in login.body and "Back to the queue" in login.body
        assert client.request("/embed.js").status == 200

        # Started again: answers come back by themselves.
        cluster.start()
        recovered = wait_for_status(client, api, 200, seconds=10)
        assert recovered < 10

        # (b) Hung: both workers hold pooled connections to a server that never answers.
        for _ in range(4):
            assert client.request(api).status == 200
        cluster.send(signal.SIGSTOP)
        stopped_at = time.monotonic()
        try:
            assert client.request("/embed.js", timeout=5).seconds < 1

            # While one worker waits on the database, the other serves the script.
            slow: list[Answer] = []
            reader = threading.Thread(target=lambda: slow.append(client.request(api)))
            reader.start()
            time.sleep(0.3)
            script = client.request("/embed.js", timeout=5)
            assert script.status == 200 and script.seconds < 1
            reader.join(timeout=30)
            assert slow, "the API read never answered"
            assert_unavailable(slow[0], json=True)
            # A dead pooled connection (statement timeout + 1 s), then a new one (connect
            # timeout): a few seconds, far from gunicorn's 30 s.
            assert slow[0].seconds < 2 * TIMEOUT + 3, slow[0].seconds
            again = client.request(api)
            assert_unavailable(again, json=True)
            assert again.seconds < 2 * TIMEOUT + 3, again.seconds

            time.sleep(max(0.0, 15 - (time.monotonic() - stopped_at)))
            assert client.request("/embed.js", timeout=5).seconds < 1
        finally:
            cluster.send(signal.SIGCONT)
        wait_for_status(client, api, 200, seconds=10)
    finally:
        server.stop()

    logs = server.logs()
    assert "WORKER TIMEOUT" not in logs and "SIGKILL" not in logs, logs[-2000:]
    assert len(re.findall(r"Booting worker", logs)) == 2, logs[-2000:]


def wait_for_status(client: Browserless, path: str, status: int, seconds: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if client.request(path).status == status:
            return time.monotonic() - started
        time.sleep(0.2)
    raise AssertionError(f"{path} did not answer {status} within {seconds} s")
