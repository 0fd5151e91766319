"""Absolute URLs come from MODERATION_PUBLIC_URL, never from the request's Host header;
and what else the public pages hold back from strangers."""

import http.client
import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from moderation.comments.models import Article
from moderation.public.api import MAX_API_URL_LENGTH

PUBLIC_URL = "https://comments.example"


def raw_get(server: Any, path: str, host: str, **headers: str) -> http.client.HTTPResponse:
    """A GET over a real socket with any Host header, as curl -H 'Host: …' sends it."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.request("GET", path, headers={"Host": host, **headers})
    response = connection.getresponse()
    response.body = response.read()  # type: ignore[attr-defined]
    connection.close()
    return response


def absolute_urls(html: str) -> set[str]:
    return set(re.findall(r'(?:href|action|src)="(https?://[^"]+)"', html))


def test_a_foreign_host_is_refused_when_the_public_url_is_set(
    make_app: Callable[..., Flask], live_server_factory: Callable[..., Any]
) -> None:
    app = make_app(PUBLIC_URL=PUBLIC_URL)
    server = live_server_factory(app)
    for path in ("/embed/a-film-review/fragment", "/embed.js", "/demo", "/embed/a-film-review"):
        response = raw_get(server, path, "evil.example")
        assert response.status == 400, path
        assert b"evil.example" in response.body and b"not a trusted host" in response.body
    api = raw_get(server, "/api/articles/a-film-review/comments", "evil.example")
    assert api.status == 400 and api.getheader("Content-Type") == "application/json"


def test_urls_name_the_public_url_whatever_the_request_says(
    make_app: Callable[..., Flask], live_server_factory: Callable[..., Any]
) -> None:
    app = make_app(PUBLIC_URL=PUBLIC_URL + "/")
    server = live_server_factory(app)
    # The configured host, reached over plain HTTP behind a proxy on another port.
    fragment = raw_get(server, "/embed/a-film-review/fragment", "comments.example:8000")
    assert fragment.status == 200
    urls = absolute_urls(fragment.body.decode())
    assert urls and all(url.startswith(PUBLIC_URL + "/") for url in urls), urls
    assert any("/widget.css" in url for url in urls)
    assert f'action="{PUBLIC_URL}/embed/a-film-review#leave-reply"' in fragment.body.decode()
    link = raw_get(server, "/embed.js", "comments.example").getheader("Link") or ""
    assert link.startswith(f"<{PUBLIC_URL}/v/")
    demo = raw_get(server, "/demo", "comments.example").body.decode()
    assert f'<script src="{PUBLIC_URL}/embed.js" async>' in demo


def test_a_path_prefix_in_the_public_url_prefixes_every_absolute_url(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(PUBLIC_URL="https://blog.example/comments")
    html = app.test_client().get("/embed/a-film-review/fragment").get_data(as_text=True)
    urls = absolute_urls(html)
    assert urls and all(u.startswith("https://blog.example/comments/") for u in urls), urls
    assert "/comments/comments/" not in html


def test_without_a_public_url_each_host_gets_its_own_validator(
    make_app: Callable[..., Flask], live_server_factory: Callable[..., Any], article: Article
) -> None:
    server = live_server_factory(make_app())
    path = f"/embed/{article.id}/fragment"
    genuine = raw_get(server, path, "comments.example")
    poisoned = raw_get(server, path, "evil.example")
    assert all("comments.example" in u for u in absolute_urls(genuine.body.decode()))
    assert genuine.getheader("ETag") != poisoned.getheader("ETag")
    # A copy made for another host does not revalidate as the genuine one.
    again = raw_get(
        server, path, "comments.example", **{"If-None-Match": poisoned.getheader("ETag") or ""}
    )
    assert again.status == 200


def test_an_https_public_url_makes_cookies_secure_by_default(
    make_app: Callable[..., Flask],
) -> None:
    assert make_app(PUBLIC_URL=PUBLIC_URL).config["SESSION_COOKIE_SECURE"] is True
    assert make_app(PUBLIC_URL=PUBLIC_URL).config["REMEMBER_COOKIE_SECURE"] is True
    assert make_app(PUBLIC_URL="http://127.0.0.1:5000").config["SESSION_COOKIE_SECURE"] is False
    assert make_app().config["SESSION_COOKIE_SECURE"] is False
    # An explicit setting still wins.
    explicit = make_app(PUBLIC_URL=PUBLIC_URL, SECURE_COOKIES="false")
    assert explicit.config["SESSION_COOKIE_SECURE"] is False


def test_the_fragment_and_the_demo_have_a_policy_and_are_never_framed(
    client: FlaskClient, article: Article
) -> None:
    fragment = client.get(f"/embed/{article.id}/fragment")
    csp = fragment.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "script-src" not in csp
    assert fragment.headers["X-Frame-Options"] == "DENY"
    revalidated = client.get(
        f"/embed/{article.id}/fragment", headers={"If-None-Match": fragment.headers["ETag"]}
    )
    assert revalidated.status_code == 304
    assert "frame-ancestors 'none'" in revalidated.headers["Content-Security-Policy"]

    demo = client.get("/demo")
    csp = demo.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp
    assert demo.headers["X-Frame-Options"] == "DENY"
    nonce = re.search(r"'nonce-([^']+)'", csp)
    assert nonce and f'<style nonce="{nonce[1]}">' in demo.get_data(as_text=True)
    assert client.get("/demo").headers["Content-Security-Policy"] != csp


def test_a_long_api_url_is_refused_as_json(client: FlaskClient) -> None:
    long_id = "a" * (MAX_API_URL_LENGTH + 1)
    for url in (f"/api/articles/{long_id}/comments", "/api/counts?article=" + long_id):
        response = client.get(url)
        assert response.status_code == 414 and response.is_json, url
        assert "too long" in response.json["error"]
    assert client.get("/api/counts?article=" + "a" * 190).status_code == 200
