"""Fixtures: a migrated database per test (SQLite, or PostgreSQL when
MODERATION_TEST_DATABASE_URL is set), the test client, the CLI runner, and factories."""

from __future__ import annotations

import contextvars
import functools
import os
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from flask import Flask, current_app, has_app_context
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade
from sqlalchemy import create_engine, inspect, text
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.test import TestResponse

from moderation import comments as domain
from moderation import create_app
from moderation.accounts.models import Moderator, Role
from moderation.accounts.passwords import hash_password
from moderation.comments.models import Article, Comment, Status
from moderation.comments.tokens import issue_token
from moderation.extensions import db

from .helpers import free_port

TEST_DATABASE_URL = os.environ.get("MODERATION_TEST_DATABASE_URL")
TEST_REDIS_URL = os.environ.get("MODERATION_TEST_REDIS_URL")

ARTICLE_ID = "a-film-review"

# Production hashes with scrypt (a quarter second a password); the tests need no such cost.
TEST_PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"


def _base_config(tmp_path: Path, database_url: str) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "DATABASE_URL": database_url,
        "MIN_FILL_SECONDS": 0,
        "RATELIMIT_ENABLED": False,
        "PASSWORD_HASH_METHOD": TEST_PASSWORD_HASH_METHOD,
        "ALLOWED_ORIGINS": ["http://blog.example"],
        "REDIS_URL": TEST_REDIS_URL,
        # Rate-limit counters in a shared Redis must not leak from one test to the next.
        "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
    }


def _see_what_was_committed(app: Flask) -> None:
    """Let the test's own session reload rows a request or a command may have committed."""
    if has_app_context() and current_app._get_current_object() is app:  # type: ignore[attr-defined]
        db.session.expire_all()


SERVER_ERRORS_EXPECTED: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "server_errors_expected", default=False
)


@pytest.fixture(autouse=True)
def _server_errors_expected(request: pytest.FixtureRequest) -> Iterator[None]:
    token = SERVER_ERRORS_EXPECTED.set(request.node.get_closest_marker("server_errors") is not None)
    yield
    SERVER_ERRORS_EXPECTED.reset(token)


class IsolatedClient(FlaskClient):
    """A test client whose every request runs as in production: in its own app context.

    The ``app`` fixture keeps an app context pushed for the whole test, and Flask pushes a
    new one for a request only when none for that app is active; so, without this, each
    request would share the test's database session and a view that forgot to commit
    would still pass. A fresh ``contextvars.Context`` hides the test's context from the
    request, which pushes its own and removes its session at teardown.
    """

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        response = contextvars.Context().run(super().open, *args, **kwargs)
        _see_what_was_committed(self.application)
        # The service promises no 5xx: one fails the test that met it, unless the test
        # is about one (marked ``server_errors``: a failing write, a database down).
        if response.status_code >= 500 and not SERVER_ERRORS_EXPECTED.get():
            raise AssertionError(
                f"{response.status_code} for {response.request.method} "
                f"{response.request.path}: {response.get_data(as_text=True)[:300]}"
            )
        return response


class IsolatedCliRunner(FlaskCliRunner):
    """Run each command in its own app context and session, as the ``flask`` command does."""

    def invoke(self, cli: Any = None, args: Any = None, **kwargs: Any) -> Result:  # type: ignore[override]
        def run() -> Result:
            with self.app.app_context():
                return super(IsolatedCliRunner, self).invoke(cli, args, **kwargs)

        result = contextvars.Context().run(run)
        _see_what_was_committed(self.app)
        return result


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Run the migrations once on an empty database; tests start from a copy or a wipe."""
    if TEST_DATABASE_URL:
        engine = create_engine(TEST_DATABASE_URL)
        try:
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        except Exception as exc:  # pragma: no cover - a CI misconfiguration
            raise RuntimeError(
                f"MODERATION_TEST_DATABASE_URL is set but unreachable: {exc}"
            ) from exc
        finally:
            engine.dispose()
        url = TEST_DATABASE_URL
    else:
        url = "sqlite:///" + str(tmp_path_factory.mktemp("template") / "template.sqlite3")
    app = create_app(_base_config(tmp_path_factory.mktemp("instance"), url))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


def _wipe_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        tables = [t for t in inspect(conn).get_table_names() if t != "alembic_version"]
        if tables:
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def make_app(migrated_template: str, tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """Build an app on a fresh, migrated database, with config overrides."""
    if TEST_DATABASE_URL:
        _wipe_postgres(TEST_DATABASE_URL)
        url = TEST_DATABASE_URL
    else:
        template = Path(migrated_template.removeprefix("sqlite:///"))
        target = tmp_path / "test.sqlite3"
        shutil.copy(template, target)
        url = "sqlite:///" + str(target)
    if TEST_REDIS_URL:
        # The limiter keeps the key prefix of the first app it served, so counters in a
        # shared Redis would carry over from one test to the next: start each empty.
        import redis

        redis.Redis.from_url(TEST_REDIS_URL).flushdb()
    apps: list[Flask] = []

    def factory(**overrides: Any) -> Flask:
        config = _base_config(tmp_path, url)
        config.update(overrides)
        app = create_app(config)
        app.test_client_class = IsolatedClient
        app.test_cli_runner_class = IsolatedCliRunner
        apps.append(app)
        return app

    yield factory
    # The servers' outbox threads (``OUTBOX_THREAD``) end with their test.
    from moderation.notify.worker import stop_threads

    stop_threads()
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Iterator[Flask]:
    app = make_app()
    with app.app_context():
        yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def article(app: Flask) -> Article:
    article = domain.create_article(
        ARTICLE_ID, title="A film review", url="http://blog.example/review"
    )
    db.session.commit()
    return article


@pytest.fixture
def make_comment(app: Flask, article: Article) -> Callable[..., Comment]:
    """Store a comment straight through the domain, with any status."""
    counter = iter(range(1, 10_000))

    def factory(
        status: Status = Status.PENDING,
        *,
        body: str | None = None,
        name: str = "Reader",
        email: str | None = None,
        parent: Comment | None = None,
        article_id: str | None = None,
    ) -> Comment:
        n = next(counter)
        target = db.session.get(Article, article_id) if article_id else article
        assert target is not None
        comment = domain.submit_comment(
            target,
            domain.Submission(
                name=name,
                email=email or f"reader{n}@example.org",
                website="",
                body=body or f"Comment number {n}",
                parent_id=parent.id if parent else None,
            ),
        )
        if status != Status.PENDING:
            domain.set_status(comment, status, None)
        db.session.commit()
        return comment

    return factory


@functools.cache
def password_hash(password: str) -> str:
    """Each fixture password is hashed once per test session."""
    return hash_password(password, TEST_PASSWORD_HASH_METHOD)


@pytest.fixture
def make_moderator(app: Flask) -> Callable[..., Moderator]:
    def factory(
        email: str = "mod@example.com",
        password: str = "correct horse battery",
        active: bool = True,
        role: Role | None = None,
    ) -> Moderator:
        """A moderator; the first one is an owner, as ``create_moderator`` makes it."""
        if role is None:
            first = db.session.scalar(db.select(Moderator.id).limit(1)) is None
            role = Role.OWNER if first else Role.MODERATOR
        moderator = Moderator(
            email=email, password_hash=password_hash(password), active=active, role=role
        )
        db.session.add(moderator)
        db.session.commit()
        return moderator

    return factory


@pytest.fixture
def form_token(app: Flask) -> Callable[[str], str]:
    return lambda article_id=ARTICLE_ID: issue_token(app.config["SECRET_KEY"], article_id)


# --- a live server for browser tests ----------------------------------------------


class LiveServer:
    def __init__(self, app: Flask, host: str = "127.0.0.1", port: int | None = None) -> None:
        self.app = app
        self.port = port or free_port()
        self.url = f"http://{host}:{self.port}"
        self._server: BaseWSGIServer = make_server(host, self.port, app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> LiveServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)


@pytest.fixture
def live_server_factory() -> Iterator[Callable[..., LiveServer]]:
    servers: list[LiveServer] = []

    def factory(app: Flask, host: str = "127.0.0.1", port: int | None = None) -> LiveServer:
        server = LiveServer(app, host, port).start()
        servers.append(server)
        return server

    yield factory
    for server in servers:
        server.stop()


# --- Chromium through Playwright --------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless. Missing Chromium fails the run: `make test` installs it."""
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (make browser-deps)")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


# --- the dashboard ----------------------------------------------------------------

MODERATOR_EMAIL = "mod@example.com"
MODERATOR_PASSWORD = "correct horse battery"


def csrf_from(html: str) -> str:
    """The session CSRF token a dashboard page carries in its forms."""
    import re

    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


class Auth:
    """Log in to the dashboard and post its forms, token included (flaskr's ``auth``)."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self._token: str | None = None

    def login(self, email: str = MODERATOR_EMAIL, password: str = MODERATOR_PASSWORD) -> Any:
        page = self.client.get("/moderation/login")
        self._token = None
        return self.client.post(
            "/moderation/login",
            data={"email": email, "password": password, "csrf_token": csrf_from(page.text)},
        )

    def token(self) -> str:
        if self._token is None:
            self._token = csrf_from(self.client.get("/moderation/").text)
        return self._token

    def post(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        form = {"csrf_token": self.token(), **(data or {})}
        return self.client.post(url, data=form, **kwargs)


@pytest.fixture
def auth(client: FlaskClient) -> Auth:
    return Auth(client)


@pytest.fixture
def moderator(make_moderator: Callable[..., Moderator]) -> Moderator:
    return make_moderator(MODERATOR_EMAIL, MODERATOR_PASSWORD)


@pytest.fixture
def logged_in(auth: Auth, moderator: Moderator) -> Auth:
    """A test client logged in as ``moderator``."""
    response = auth.login()
    assert response.status_code == 303, response.text
    return auth


# --- accessibility checks with axe-core (from npm) ---------------------------------

AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def axe_context(browser: Any) -> Iterator[Any]:
    """A browser context where axe-core may be injected (CSPs forbid injected scripts)."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` (make browser-deps)")
    context = browser.new_context(bypass_csp=True)
    yield context
    context.close()


# Real receivers (SMTP, webhooks) for what the service sends.
from .receivers import mailbox, notify_app, silent_server, webhook_receiver  # noqa: E402,F401

# Real gunicorn workers, for what must hold across processes.
from .workers import gunicorn  # noqa: E402,F401
