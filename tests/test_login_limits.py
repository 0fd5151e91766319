"""Login failures are limited per address and per account, without locking the real
moderator out of an account strangers are hammering."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from moderation.accounts.models import Moderator
from moderation.extensions import db
from moderation.ratelimits import RateLimitCounter

from .conftest import MODERATOR_EMAIL, MODERATOR_PASSWORD, csrf_from


def attempt(
    client: FlaskClient, address: str, email: str = MODERATOR_EMAIL, password: str = "guess"
) -> int:
    """One login attempt from ``address``; the answer's status."""
    page = client.get("/moderation/login", environ_base={"REMOTE_ADDR": address})
    response = client.post(
        "/moderation/login",
        data={"email": email, "password": password, "csrf_token": csrf_from(page.text)},
        environ_base={"REMOTE_ADDR": address},
    )
    return response.status_code


def log_out(browser: FlaskClient) -> None:
    token = csrf_from(browser.get("/moderation/").text)
    assert browser.post("/moderation/logout", data={"csrf_token": token}).status_code == 303


@pytest.fixture
def limited_app(make_app: Callable[..., Flask], make_moderator: Callable[..., Moderator]) -> Flask:
    app = make_app(
        RATELIMIT_ENABLED=True,
        REDIS_URL=None,
        LOGIN_RATE_LIMIT="10 per minute",
        LOGIN_ACCOUNT_RATE_LIMIT="5 per minute",
    )
    with app.app_context():
        make_moderator(MODERATOR_EMAIL, MODERATOR_PASSWORD)
    return app


def test_failures_from_many_addresses_are_limited_per_account(limited_app: Flask) -> None:
    codes = [
        attempt(limited_app.test_client(), f"198.51.100.{n}", email=" MOD@example.com ")
        for n in range(1, 13)
    ]
    assert codes == [401] * 5 + [429] * 7
    client = limited_app.test_client()
    page = client.get("/moderation/login", environ_base={"REMOTE_ADDR": "198.51.100.99"})
    refused = client.post(
        "/moderation/login",
        data={"email": MODERATOR_EMAIL, "password": "guess", "csrf_token": csrf_from(page.text)},
        environ_base={"REMOTE_ADDR": "198.51.100.99"},
    )
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    # Another account is not affected.
    assert attempt(limited_app.test_client(), "198.51.100.100", email="other@example.com") == 401


def test_the_account_is_counted_by_a_hash_never_the_address(limited_app: Flask) -> None:
    attempt(limited_app.test_client(), "198.51.100.1")
    with limited_app.app_context():
        keys = list(db.session.scalars(db.select(RateLimitCounter.key)))
    assert keys and not any("mod@example.com" in key.lower() for key in keys), keys


def test_the_moderator_still_logs_in_while_strangers_hammer_the_account(
    limited_app: Flask,
) -> None:
    # The moderator's browser has logged in before, from home.
    browser = limited_app.test_client()
    assert attempt(browser, "192.0.2.1", password=MODERATOR_PASSWORD) == 303
    log_out(browser)
    # A botnet: one wrong guess from each of 12 addresses.
    codes = [attempt(limited_app.test_client(), f"198.51.100.{n}") for n in range(1, 13)]
    assert codes.count(429) == 7
    # From a new address (a train's Wi-Fi), the right password logs the moderator in.
    assert attempt(browser, "203.0.113.7", password=MODERATOR_PASSWORD) == 303
    assert (
        browser.get("/moderation/", environ_base={"REMOTE_ADDR": "203.0.113.7"}).status_code == 200
    )
    # A stranger's browser must wait, right password or not: nothing tells a guess apart.
    assert attempt(limited_app.test_client(), "203.0.113.8", password=MODERATOR_PASSWORD) == 429


def test_the_moderators_browser_has_a_limit_of_its_own(limited_app: Flask) -> None:
    browser = limited_app.test_client()
    assert attempt(browser, "192.0.2.1", password=MODERATOR_PASSWORD) == 303
    log_out(browser)
    codes = [attempt(browser, f"192.0.2.{n}") for n in range(2, 9)]
    assert codes == [401] * 5 + [429] * 2
    # Its failures did not use up the account's count for everyone else.
    assert attempt(limited_app.test_client(), "198.51.100.1") == 401


def test_a_forged_device_cookie_is_ignored(limited_app: Flask) -> None:
    for n in range(1, 6):
        assert attempt(limited_app.test_client(), f"198.51.100.{n}") == 401
    forger = limited_app.test_client()
    forger.set_cookie(
        "moderation_login_device", "eyJhY2NvdW50IjoieCJ9.forged", path="/moderation/login"
    )
    assert attempt(forger, "198.51.100.50", password=MODERATOR_PASSWORD) == 429


def test_failures_from_one_address_are_limited_across_accounts(limited_app: Flask) -> None:
    client = limited_app.test_client()
    codes = [attempt(client, "198.51.100.1", email=f"user{n}@example.com") for n in range(12)]
    assert codes == [401] * 10 + [429] * 2
    # Another address is not affected.
    assert attempt(limited_app.test_client(), "198.51.100.2", password=MODERATOR_PASSWORD) == 303
