"""The error log keeps no value a stranger sent, and a database that is down is a 503."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from sqlalchemy import text

from moderation.comments.tokens import issue_token
from moderation.extensions import db

from .conftest import Auth
from .helpers import post_comment

ERROR_LOGGER = "moderation.errors"


@pytest.fixture
def failing_writes(app: Flask) -> Iterator[None]:
    """Every new comment is refused by the database itself, as a real write failure."""
    postgres = db.engine.dialect.name == "postgresql"
    with db.engine.begin() as connection:
        if postgres:
            # PostgreSQL would add "DETAIL: Failing row contains (…the email…)".
            connection.execute(
                text("ALTER TABLE comment ADD CONSTRAINT refused_in_test CHECK (false) NOT VALID")
            )
        else:
            connection.execute(
                text(
                    "CREATE TRIGGER refused_in_test BEFORE INSERT ON comment "
                    "BEGIN SELECT RAISE(ABORT, 'refused in test'); END"
                )
            )
    try:
        yield
    finally:
        db.session.remove()
        with db.engine.begin() as connection:
            if postgres:
                connection.execute(text("ALTER TABLE comment DROP CONSTRAINT refused_in_test"))
            else:
                connection.execute(text("DROP TRIGGER refused_in_test"))


def error_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == ERROR_LOGGER]


@pytest.mark.server_errors
def test_a_failed_write_is_logged_once_without_the_email_or_address(
    make_app: Callable[..., Flask],
    failing_writes: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = make_app(TESTING=False, PROPAGATE_EXCEPTIONS=False)
    email = f"secret.person.{uuid.uuid4().hex[:8]}@private.example"
    address = "203.0.113.77"
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address

    def post() -> str:
        token = issue_token(app.config["SECRET_KEY"], "a-new-article")
        response = post_comment(client, token, "a-new-article", email=email)
        assert response.status_code == 500 and response.is_json
        # The id a reader can quote is the one in the header and in the log.
        assert response.json["request_id"] == response.headers["X-Request-Id"]
        assert email not in response.text
        return str(response.headers["X-Request-Id"])

    caplog.set_level(logging.INFO)
    first = post()
    later = [post() for _ in range(49)]

    logged = caplog.text
    assert email not in logged and address not in logged
    records = error_records(caplog)
    assert len(records) == 1, [r.getMessage()[:200] for r in records]
    message = records[0].getMessage()
    assert first in message and "POST /api/articles/a-new-article/comments" in message
    assert "Traceback" in message and "INSERT INTO comment" in message
    assert all(request_id not in logged for request_id in later)

    # A minute later, the next failure first says how often the last one repeated.
    error_log = app.extensions["moderation.error_log"]
    error_log.clock = lambda: time.monotonic() + 61
    post()
    summary, again = [r.getMessage() for r in error_records(caplog)[1:]]
    assert summary.endswith("49 more times in the last minute")
    assert "Traceback" not in summary and "Traceback" in again
    assert email not in caplog.text and address not in caplog.text


@pytest.mark.server_errors
def test_an_unexpected_error_page_shows_the_request_id(make_app: Callable[..., Flask]) -> None:
    app = make_app(TESTING=False, PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("internals")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    request_id = response.headers["X-Request-Id"]
    assert len(request_id) >= 8 and request_id in response.text


UNREACHABLE = "sqlite:////nonexistent-directory/moderation.sqlite3"


@pytest.mark.server_errors
def test_a_database_that_is_down_is_a_503_everywhere(
    make_app: Callable[..., Flask], caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(DATABASE_URL=UNREACHABLE, TESTING=False, PROPAGATE_EXCEPTIONS=False)
    client = app.test_client()

    api = client.get("/api/articles/a-film-review/comments")
    assert api.status_code == 503 and api.is_json
    assert int(api.headers["Retry-After"]) > 0
    assert api.json["request_id"] == api.headers["X-Request-Id"]

    page = client.get("/embed/a-film-review")
    assert page.status_code == 503 and page.mimetype == "text/html"
    assert "error.css" in page.text and "Please try again" in page.text
    assert "Retry-After" in page.headers

    # The widget's script needs no database.
    assert client.get("/embed.js").status_code == 200

    # One traceback for the outage, not one per request.
    assert len(error_records(caplog)) == 1


@pytest.mark.server_errors
def test_the_dashboard_error_page_renders_without_the_database(
    make_app: Callable[..., Flask], logged_in: Auth
) -> None:
    """A moderator who is logged in gets the dashboard's own 503 page, not a bare 500."""
    session = logged_in.client.get_cookie("session")
    assert session is not None
    down = make_app(DATABASE_URL=UNREACHABLE, TESTING=False, PROPAGATE_EXCEPTIONS=False)
    client = down.test_client()
    client.set_cookie("session", session.value)

    for url in ("/moderation/", "/moderation/articles"):
        response = client.get(url)
        assert response.status_code == 503, url
        assert "dashboard.css" in response.text and "Back to the queue" in response.text
        assert response.headers["Retry-After"]
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]

    xhr = client.get("/moderation/", headers={"Accept": "application/json"})
    assert xhr.status_code == 503 and xhr.is_json
