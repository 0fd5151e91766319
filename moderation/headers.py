"""Headers every response carries, whatever blueprint answered it."""

from __future__ import annotations

from flask import Flask, Response

DEFAULT_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def add_default_headers(response: Response) -> Response:
    for name, value in DEFAULT_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_default_headers)
