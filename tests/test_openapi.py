"""The OpenAPI description of the public API stays true: it names every route under
/api/ and nothing else, and what the app really answers matches its schemas."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate

from moderation.comments.models import Comment, Status

from .conftest import ARTICLE_ID
from .helpers import post_comment
from .openapi_contract import SPEC_FILE, assert_conforms, spec

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def test_the_description_is_valid_openapi_3_1() -> None:
    validate(spec())
    assert spec()["openapi"].startswith("3.1.")


def test_it_is_served_as_checked_in(client: FlaskClient) -> None:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.json == json.loads(SPEC_FILE.read_text(encoding="utf-8"))
    assert_conforms("GET", "/api/openapi.json", response)
    again = client.get("/api/openapi.json", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_every_api_route_and_method_is_described_and_nothing_else(app: Flask) -> None:
    served: set[tuple[str, str]] = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        # HEAD is GET without the body (said once, in the description's info).
        served |= {(path, m.lower()) for m in rule.methods or () if m != "HEAD"}
    described = {
        (path, method)
        for path, item in spec()["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }
    assert served - described == set(), "served but not described"
    assert described - served == set(), "described but not served"


def test_path_parameters_are_the_routes_own(app: Flask) -> None:
    for path, item in spec()["paths"].items():
        named = set(re.findall(r"\{([^}]+)\}", path))
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            params = [*item.get("parameters", []), *operation.get("parameters", [])]
            in_path = {p["name"] for p in params if p["in"] == "path"}
            assert in_path == named, f"{method} {path}"


def test_reading_answers_match_the_schemas(
    client: FlaskClient, make_comment: Callable[..., Comment]
) -> None:
    first = make_comment(Status.APPROVED, body="A *fine* film")
    make_comment(Status.APPROVED, parent=first)
    make_comment(Status.PENDING)
    url = f"/api/articles/{ARTICLE_ID}/comments"
    listed = client.get(url)
    assert listed.status_code == 200 and listed.json["count"] == 2
    assert_conforms("GET", url, listed)
    unchanged = client.get(url, headers={"If-None-Match": listed.headers["ETag"]})
    assert unchanged.status_code == 304
    assert_conforms("GET", url, unchanged)

    not_yet = "/api/articles/not-yet-written/comments?title=Soon&url=http://blog.example/soon"
    assert client.get(not_yet).status_code == 200
    assert_conforms("GET", not_yet, client.get(not_yet))
    for missing in ("/api/articles/has%20spaces/comments", "/api/articles/x/form-token/more"):
        response = client.get(missing)
        assert response.status_code == 404
        if missing.endswith("/comments"):
            assert_conforms("GET", missing, response)

    counts = f"/api/counts?article={ARTICLE_ID}&article=other&article=bad%20id"
    response = client.get(counts)
    assert response.json["counts"] == {ARTICLE_ID: 2, "other": 0, "bad id": 0}
    assert_conforms("GET", counts, response)
    refused = client.get("/api/counts")
    assert refused.status_code == 400
    assert_conforms("GET", "/api/counts", refused)

    token = f"/api/articles/{ARTICLE_ID}/form-token"
    response = client.get(token)
    assert response.status_code == 200
    assert_conforms("GET", token, response)
    response = client.get("/api/articles/-starts-with-a-dash/form-token")
    assert response.status_code == 404
    assert_conforms("GET", "/api/articles/-starts-with-a-dash/form-token", response)


def test_posting_answers_match_the_schemas(
    client: FlaskClient, form_token: Callable[..., str], article: object
) -> None:
    url = f"/api/articles/{ARTICLE_ID}/comments"
    posted = post_comment(client, form_token(), website="blog.example/ada")
    assert posted.status_code == 202
    assert_conforms("POST", url, posted)
    assert "ada@example.org" not in posted.text

    invalid = post_comment(client, form_token(), email="not an address", body="")
    assert invalid.status_code == 400 and set(invalid.json["errors"]) == {"email", "body"}
    assert_conforms("POST", url, invalid)
    wrong_type = client.post(url, json={"name": ["a list"]})
    assert wrong_type.status_code == 400
    assert_conforms("POST", url, wrong_type)

    foreign = client.post(url, json={}, headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403
    assert_conforms("POST", url, foreign)
    huge = client.post(url, data={"body": "x" * 200_000})
    assert huge.status_code == 413
    assert_conforms("POST", url, huge)


def test_unknown_articles_answer_404_as_described(
    make_app: Callable[..., Flask], form_token: Callable[..., str]
) -> None:
    client = make_app(AUTO_CREATE_ARTICLES=False).test_client()
    url = "/api/articles/no-such-article/comments"
    response = client.get(url)
    assert response.status_code == 404
    assert_conforms("GET", url, response)
    posted = post_comment(client, form_token("no-such-article"), article_id="no-such-article")
    assert posted.status_code == 404
    assert_conforms("POST", url, posted)


def test_a_method_not_allowed_is_405_with_allow(client: FlaskClient) -> None:
    response = client.put("/api/counts?article=x")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"
    assert response.json["status"] == 405 and response.json["error"]


def test_too_many_posts_answer_429_as_described(
    make_app: Callable[..., Flask], form_token: Callable[..., str]
) -> None:
    # A limit no other test uses: Flask-Limiter keeps the first app's key prefix, so
    # counters in a shared Redis are not yet kept apart per test.
    app = make_app(RATELIMIT_ENABLED=True, POST_RATE_LIMIT="2 per 59 seconds")
    client = app.test_client()
    url = f"/api/articles/{ARTICLE_ID}/comments"
    assert [post_comment(client, form_token()).status_code for _ in range(2)] == [202, 202]
    limited = post_comment(client, form_token())
    assert limited.status_code == 429
    assert_conforms("POST", url, limited)
    assert int(limited.headers["Retry-After"]) > 0
