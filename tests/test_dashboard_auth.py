"""Logging in and out of the dashboard, and what keeps strangers out."""

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from moderation.accounts import moderators
from moderation.accounts.models import Moderator, Role
from moderation.extensions import db

from .conftest import MODERATOR_EMAIL, MODERATOR_PASSWORD, Auth, csrf_from

PAGES = [
    "/moderation/",
    "/moderation/?status=spam",
    "/moderation/comments/1",
    "/moderation/articles",
    "/moderation/articles/a-film-review",
    "/moderation/log",
]


def test_login_leads_to_the_queue_and_remembers_when(auth: Auth, moderator: Moderator) -> None:
    response = auth.login()
    assert response.status_code == 303
    assert response.headers["Location"] == "/moderation/"
    page = auth.client.get("/moderation/")
    assert page.status_code == 200
    assert MODERATOR_EMAIL in page.text and "Log out" in page.text
    assert moderator.last_login_at is not None


@pytest.mark.parametrize(
    "email, password",
    [
        (MODERATOR_EMAIL, "wrong password"),
        ("nobody@example.com", MODERATOR_PASSWORD),
        ("disabled@example.com", MODERATOR_PASSWORD),
    ],
)
def test_every_failed_login_reads_the_same(
    auth: Auth,
    moderator: Moderator,
    make_moderator: Callable[..., Moderator],
    email: str,
    password: str,
) -> None:
    make_moderator("disabled@example.com", MODERATOR_PASSWORD, active=False)
    response = auth.login(email, password)
    assert response.status_code == 401
    assert "The email or the password is wrong, or this account is disabled." in response.text
    assert MODERATOR_PASSWORD not in response.text
    assert auth.client.get("/moderation/").status_code == 302


def test_empty_login_form_is_a_400(auth: Auth) -> None:
    response = auth.login("", "")
    assert response.status_code == 400
    assert "Enter your email address and your password." in response.text


@pytest.mark.parametrize("page", PAGES)
def test_pages_redirect_to_login_and_come_back(
    client: FlaskClient, page: str, moderator: Moderator
) -> None:
    response = client.get(page)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/moderation/login?next=")
    auth = Auth(client)
    login_page = client.get(location)
    response = client.post(
        location,
        data={
            "email": MODERATOR_EMAIL,
            "password": MODERATOR_PASSWORD,
            "next": page,
            "csrf_token": csrf_from(login_page.text),
        },
    )
    assert response.status_code == 303
    assert response.headers["Location"] == page
    assert auth.client.get("/moderation/").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/moderation/",
        "/moderation/comments/1/approve",
        "/moderation/bulk",
        "/moderation/articles/a-film-review/close",
    ],
)
@pytest.mark.parametrize(
    "headers", [{"Accept": "application/json"}, {"X-Requested-With": "XMLHttpRequest"}]
)
def test_scripts_get_a_401(client: FlaskClient, url: str, headers: dict[str, str]) -> None:
    app = client.application
    app.config["WTF_CSRF_ENABLED"] = False
    response = (client.get if url == "/moderation/" else client.post)(url, headers=headers)
    assert response.status_code == 401
    assert response.json == {"error": "Please log in first.", "status": 401}


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"],
)
def test_next_only_goes_to_local_paths(auth: Auth, moderator: Moderator, target: str) -> None:
    page = auth.client.get("/moderation/login", query_string={"next": target})
    assert "evil.example" not in page.text
    response = auth.client.post(
        "/moderation/login",
        data={
            "email": MODERATOR_EMAIL,
            "password": MODERATOR_PASSWORD,
            "next": target,
            "csrf_token": csrf_from(page.text),
        },
    )
    assert response.headers["Location"] == "/moderation/"


def test_logout_is_a_post_with_the_token(logged_in: Auth) -> None:
    client = logged_in.client
    assert client.get("/moderation/logout").status_code == 405
    assert client.post("/moderation/logout").status_code == 400
    assert client.get("/moderation/").status_code == 200
    response = logged_in.post("/moderation/logout")
    assert response.status_code == 303 and response.headers["Location"] == "/moderation/login"
    assert "You are logged out." in client.get("/moderation/login").text
    assert client.get("/moderation/").status_code == 302


def _logged_in_without_context(
    make_app: Callable[..., Flask], make_moderator: Callable[..., Moderator]
) -> tuple[Flask, Auth]:
    """A logged-in client on an app whose context is not held across requests."""
    app = make_app()
    with app.app_context():
        make_moderator()
    auth = Auth(app.test_client())
    assert auth.login().status_code == 303
    assert auth.client.get("/moderation/").status_code == 200
    return app, auth


def test_disabling_ends_an_open_session(
    make_app: Callable[..., Flask], make_moderator: Callable[..., Moderator]
) -> None:
    # No app context held across requests here: each request loads the moderator anew.
    app, auth = _logged_in_without_context(make_app, make_moderator)
    with app.app_context():
        # Another owner, since the last active one cannot be disabled.
        make_moderator("second.owner@example.com", role=Role.OWNER)
        moderators.disable_moderator(MODERATOR_EMAIL)
        db.session.commit()
    response = auth.client.get("/moderation/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/moderation/login")
    assert (
        auth.client.get("/moderation/", headers={"Accept": "application/json"}).status_code == 401
    )


def _stolen_copy(client: FlaskClient, app: Flask) -> FlaskClient:
    """Another client holding a copy of ``client``'s session cookie."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    return thief


def test_a_copied_session_cookie_dies_with_the_logout(
    make_app: Callable[..., Flask], make_moderator: Callable[..., Moderator]
) -> None:
    app, auth = _logged_in_without_context(make_app, make_moderator)
    thief = _stolen_copy(auth.client, app)
    assert thief.get("/moderation/").status_code == 200
    assert auth.post("/moderation/logout").status_code == 303
    assert thief.get("/moderation/").status_code == 302


def test_a_new_password_ends_the_open_sessions(
    make_app: Callable[..., Flask], make_moderator: Callable[..., Moderator]
) -> None:
    app, auth = _logged_in_without_context(make_app, make_moderator)
    with app.app_context():
        moderator = moderators.get_moderator(MODERATOR_EMAIL)
        moderators.set_password(moderator, "an entirely new passphrase")
        db.session.commit()
    assert auth.client.get("/moderation/").status_code == 302
    assert auth.login(password="an entirely new passphrase").status_code == 303
    assert auth.client.get("/moderation/").status_code == 200


def test_login_attempts_are_rate_limited(
    make_app: Callable[..., Flask], make_moderator: Callable[..., Moderator]
) -> None:
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    with app.app_context():
        make_moderator()
        auth = Auth(app.test_client())
        for _ in range(3):
            assert auth.login(password="guess").status_code == 401
        response = auth.login()
        assert response.status_code == 429
        assert "Too many requests" in response.text
        # The page itself stays reachable; only attempts are counted.
        assert auth.client.get("/moderation/login").status_code == 200


def test_successful_logins_do_not_use_up_the_limit(
    make_app: Callable[..., Flask], make_moderator: Callable[..., Moderator]
) -> None:
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="2 per minute")
    with app.app_context():
        make_moderator()
    for _ in range(4):
        assert Auth(app.test_client()).login().status_code == 303


def test_forms_without_the_csrf_token_are_refused(
    logged_in: Auth, make_comment: Callable[..., object]
) -> None:
    comment = make_comment()
    client = logged_in.client
    url = f"/moderation/comments/{comment.id}/approve"  # type: ignore[attr-defined]
    refused = client.post(url, data={"version": 1})
    assert refused.status_code == 400 and "did not come from this site" in refused.text
    forged = client.post(url, data={"version": 1, "csrf_token": "forged"})
    assert forged.status_code == 400
    assert logged_in.post(url, {"version": 1}).status_code == 303


def test_login_form_needs_the_csrf_token(client: FlaskClient, moderator: Moderator) -> None:
    response = client.post(
        "/moderation/login", data={"email": MODERATOR_EMAIL, "password": MODERATOR_PASSWORD}
    )
    assert response.status_code == 400
    assert client.get("/moderation/").status_code == 302


def test_dashboard_may_not_be_framed_or_cached(logged_in: Auth) -> None:
    for url in ("/moderation/login", "/moderation/", "/moderation/comments/999"):
        response = logged_in.client.get(url)
        csp = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Cache-Control"] == "no-store"


def test_session_cookie_flags(
    make_app: Callable[..., Flask], make_moderator: Callable[..., Moderator]
) -> None:
    app = make_app(SECURE_COOKIES=True)
    with app.app_context():
        make_moderator()
        response = Auth(app.test_client()).login()
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
