"""Every input decoded and type-checked at the edge: a clear 4xx naming the field, and
errors a person can act on."""

import html
import json
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from moderation.decoding import json_depth

from .conftest import Auth, csrf_from

API = "/api/articles/a-film-review/comments"
FIELDS = ("name", "email", "website", "body", "parent_id", "token", "title", "url")


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("value", [1.5, True, {"a": 1}, ["x"], 1e300])
def test_a_field_of_the_wrong_type_is_refused_by_name(
    client: FlaskClient, field: str, value: object
) -> None:
    for url in (API, "/embed/a-film-review"):
        response = client.post(url, json={field: value})
        assert response.status_code == 400, (url, response.text)
        assert f"The field '{field}' must be a string." in html.unescape(response.text)


@pytest.mark.parametrize("field", FIELDS)
def test_lone_surrogates_are_refused_by_name(client: FlaskClient, field: str) -> None:
    body = json.dumps({field: "before \ud800 after"}, ensure_ascii=True)
    response = client.post(API, data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json == {
        "error": f"The field '{field}' contains characters that are not text (lone surrogates).",
        "status": 400,
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[" * 5000 + "]" * 5000, "nested too deeply"),
        ('{"name": ' + "[" * 3000 + "]" * 3000 + "}", "nested too deeply"),
        ('{"name": NaN}', "not valid JSON"),
        ('{"parent_id": ' + "9" * 5000 + "}", "not valid JSON"),
        ('["a list"]', "Send a JSON object"),
    ],
)
def test_hostile_json_is_a_400_not_a_crash(client: FlaskClient, body: str, message: str) -> None:
    response = client.post(API, data=body, content_type="application/json")
    assert response.status_code == 400 and message in response.json["error"]


def test_a_body_that_is_not_utf8_is_refused(client: FlaskClient) -> None:
    response = client.post(API, data=b'{"name": "\xff\xfe"}', content_type="application/json")
    assert response.status_code == 400 and "not valid UTF-8" in response.json["error"]


def test_json_depth_skips_brackets_inside_strings() -> None:
    assert json_depth('{"a": "[[[[[[{{{{"}') == 1
    assert json_depth('{"a": "\\"[["}') == 1
    assert json_depth('{"a": [[1]]}') == 3


@pytest.mark.parametrize("url", ["/moderation/login", "/moderation/bulk", "/moderation/logout"])
def test_dashboard_forms_take_form_bodies_only(
    client: FlaskClient, moderator: object, url: str
) -> None:
    """Even with a valid CSRF token, a JSON body never reaches the dashboard's forms."""
    token = csrf_from(client.get("/moderation/login").text)
    response = client.post(
        url,
        json={"email": 5, "password": {"a": 1}, "action": ["x"], "selected": 7},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 415
    assert "application/x-www-form-urlencoded" in response.text


@pytest.mark.parametrize("article_id", ["with%20space", "x" * 201, "-leading-dash"])
def test_an_impossible_article_id_is_a_404_that_states_the_rule(
    client: FlaskClient, article_id: str
) -> None:
    rule = "1 to 200 letters, digits, '.', '_' or '-'"
    page = client.get(f"/embed/{article_id}")
    assert page.status_code == 404 and "error.css" in page.text
    assert rule in html.unescape(page.text)
    api = client.get(f"/api/articles/{article_id}/comments")
    assert api.status_code == 404 and "1 to 200 letters" in api.json["error"]


def test_an_unknown_dashboard_address_gets_the_dashboards_own_page(logged_in: Auth) -> None:
    response = logged_in.client.get("/moderation/no-such-page")
    assert response.status_code == 404
    assert "dashboard.css" in response.text and "Back to the queue" in response.text
    assert 'href="/moderation/"' in response.text  # the navigation is there
    assert response.headers["X-Frame-Options"] == "DENY"


def test_a_429_says_how_long_to_wait(
    make_app: Callable[..., Flask], form_token: Callable[..., str]
) -> None:
    # Refused attempts count against the attempt limit (stored comments against the other).
    app = make_app(RATELIMIT_ENABLED=True, POST_ATTEMPT_LIMIT="1 per minute")
    client = app.test_client()
    client.post(API, json={})
    refused = client.post(API, json={})
    assert refused.status_code == 429
    wait = int(refused.headers["Retry-After"])
    assert 0 < wait <= 60
    assert refused.json["error"] in (
        f"Too many requests. Please wait {seconds} seconds and try again."
        for seconds in (wait - 1, wait, wait + 1)
    )
