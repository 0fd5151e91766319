"""Absolute URLs: built from ``MODERATION_PUBLIC_URL``, never from the request's Host.

With ``PUBLIC_URL`` set, Flask learns the service's host (``SERVER_NAME``, for URLs built
outside a request) and refuses requests naming another one (``TRUSTED_HOSTS``: a 400
before any view runs), and every absolute URL starts with ``PUBLIC_URL`` whatever the
request said. Unset (development, tests), absolute URLs follow the request's Host; the
answers that carry them vary with it (see ``public.reading.public_etag``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from flask import Flask, current_app, request, url_for
from werkzeug.exceptions import SecurityError
from werkzeug.wsgi import get_host

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment


def configure(app: Flask) -> None:
    """Derive Flask's own host settings, and the cookies' ``Secure`` flag, from
    ``PUBLIC_URL``."""
    public_url = app.config["PUBLIC_URL"]
    if app.config["SECURE_COOKIES"] is None:
        app.config["SECURE_COOKIES"] = bool(public_url and public_url.startswith("https://"))
    if not public_url:
        return
    parts = urlsplit(public_url)
    assert parts.hostname is not None  # config.public_url checked it
    app.config.update(
        SERVER_NAME=parts.netloc,
        PREFERRED_URL_SCHEME=parts.scheme,
        APPLICATION_ROOT=parts.path or "/",
        # Werkzeug compares host names without their port.
        TRUSTED_HOSTS=[parts.hostname],
    )
    app.wsgi_app = RefuseOtherHosts(  # type: ignore[method-assign]
        app.wsgi_app, app.config["TRUSTED_HOSTS"], public_url
    )


class RefuseOtherHosts:
    """Answer 400 to a request for another host before the app sees it: no session, no
    rate-limit count, no page is made for a Host the owner did not configure. (Inside
    any ProxyFix, so a trusted proxy's X-Forwarded-Host is what is checked.)"""

    def __init__(self, wsgi_app: WSGIApplication, trusted: list[str], public_url: str) -> None:
        self.wsgi_app = wsgi_app
        self.trusted = trusted
        self.public_url = public_url

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        try:
            get_host(environ, self.trusted)
        except SecurityError:
            return self.refuse(environ, start_response)
        return self.wsgi_app(environ, start_response)

    def refuse(self, environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
        host = str(environ.get("HTTP_HOST", ""))[:100]
        message = f"Host {host!r} is not a trusted host: this service answers at {self.public_url}."
        path = str(environ.get("PATH_INFO", ""))
        accept = str(environ.get("HTTP_ACCEPT", ""))
        if path.startswith("/api/") or "application/json" in accept:
            body = json.dumps({"error": message, "status": 400}).encode()
            mimetype = "application/json"
        else:
            body = (message + "\n").encode()
            mimetype = "text/plain; charset=utf-8"
        start_response(
            "400 Bad Request",
            [
                ("Content-Type", mimetype),
                ("Content-Length", str(len(body))),
                ("Cache-Control", "no-store"),
                ("X-Content-Type-Options", "nosniff"),
            ],
        )
        return [body]


def own_origin() -> str:
    """The service's origin: ``PUBLIC_URL``'s, else the request's."""
    public_url = current_app.config["PUBLIC_URL"]
    if public_url:
        parts = urlsplit(public_url)
        return f"{parts.scheme}://{parts.netloc}"
    return request.host_url.rstrip("/")


def url_base() -> str:
    """What absolute URLs start with: ``PUBLIC_URL``, else the request's host and root."""
    return current_app.config["PUBLIC_URL"] or request.host_url.rstrip("/")


def external_url_for(endpoint: str, **values: Any) -> str:
    """An absolute URL of ``endpoint``: under ``PUBLIC_URL`` when set, else on the
    request's host."""
    public_url = current_app.config["PUBLIC_URL"]
    if not public_url:
        return url_for(endpoint, _external=True, **values)
    path = url_for(endpoint, _external=False, **values)
    # PUBLIC_URL names the path prefix the app is served under, whether or not the
    # proxy passes it on as SCRIPT_NAME.
    root = request.script_root
    if root and path.startswith(root + "/"):
        path = path[len(root) :]
    return public_url + path


def link_for(endpoint: str, external: bool = False, **values: Any) -> str:
    """A URL of ``endpoint``, absolute when ``external`` (templates' ``link_for``)."""
    if external:
        return external_url_for(endpoint, **values)
    return url_for(endpoint, **values)
