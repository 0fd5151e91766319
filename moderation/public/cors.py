"""Which web origins may call the API, embed the widget and frame the embed page."""

from __future__ import annotations

from flask import Response, request

from ..security import allowed_origins
from ..urls import own_origin

CORS_PATH_PREFIXES = ("/api/",)
# The comments fragment, fetched by embed.js from the blog's page.
CORS_PATH_SUFFIXES = ("/fragment",)


def origin_allowed(origin: str | None) -> bool:
    """True for no Origin header (not a browser), our own origin, or an allowed one."""
    if not origin:
        return True
    origin = origin.rstrip("/")
    return origin == own_origin() or origin in allowed_origins() or "*" in allowed_origins()


def cors_applies(path: str) -> bool:
    """The API and the embed fragments answer cross-origin requests; pages do not."""
    return path.startswith(CORS_PATH_PREFIXES) or (
        path.startswith("/embed/") and path.endswith(CORS_PATH_SUFFIXES)
    )


def add_cors_headers(response: Response) -> Response:
    """CORS on the API and fragments, only for allowed origins. Never with credentials."""
    if not cors_applies(request.path):
        return response
    response.vary.add("Origin")
    origin = request.headers.get("Origin")
    if origin and origin.rstrip("/") != own_origin() and origin_allowed(origin):
        response.headers["Access-Control-Allow-Origin"] = origin
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, PATCH, DELETE, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = "Content-Type"
            response.headers["Access-Control-Max-Age"] = "600"
    return response
