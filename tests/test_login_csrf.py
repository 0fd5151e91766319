"""Logging in starts a new session: nothing known before it works after it."""

from flask.testing import FlaskClient

from moderation.accounts.models import Moderator

from .conftest import MODERATOR_EMAIL, MODERATOR_PASSWORD, csrf_from


def test_the_csrf_token_changes_at_login(client: FlaskClient, moderator: Moderator) -> None:
    before = csrf_from(client.get("/moderation/login").text)
    response = client.post(
        "/moderation/login",
        data={"email": MODERATOR_EMAIL, "password": MODERATOR_PASSWORD, "csrf_token": before},
    )
    assert response.status_code == 303
    after = csrf_from(client.get("/moderation/").text)
    assert after != before
    # A token someone learned (or planted) before the login no longer passes.
    stale = client.post("/moderation/logout", data={"csrf_token": before})
    assert stale.status_code == 400
    assert client.get("/moderation/").status_code == 200
    assert client.post("/moderation/logout", data={"csrf_token": after}).status_code == 303
