"""The read cache's fast path: a WSGI layer that answers a public read from the cache
before Flask builds a request.

A page view of an unchanged article costs one primary-key read of its version and the
stored answer. Flask's own request handling (contexts, routing, the session, the hooks)
would cost more than that; so the answers of the two public reads (the comment list and
the fragment) are stored whole, headers and body, once Flask has made them, keyed by
their ETag, and this layer serves them again: the same bytes and the same headers, with
only what differs per request done here (the request id, CORS for the caller's origin,
a 304 for a current copy). Anything it does not handle (another route or method, a
``reply_to``, an article not created yet, a cache or database that fails, the fragment
without ``PUBLIC_URL``) goes to Flask, which answers as it always does. It sits inside
the host check and any ProxyFix, so it sees requests as Flask would.
"""

from __future__ import annotations

import os
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy.exc import DBAPIError
from werkzeug.http import parse_etags

from .. import comments as domain
from ..core.i18n import reader_locale
from ..extensions import cache, db
from . import assets, caching
from .api import MAX_API_URL_LENGTH
from .caching import STORE_HEADER
from .reading import VERSION_KEY, etag_of, page_parts

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from flask import Flask
    from sqlalchemy.engine import Engine

ROUTE = re.compile(r"/(?:api/articles/([^/]+)/comments|embed/([^/]+)/fragment)")
# Made per request, never stored.
PER_REQUEST = frozenset({"x-request-id", "access-control-allow-origin", STORE_HEADER.lower()})
NOT_IN_304 = frozenset({"content-type", "content-length"})
# Set when the browser's Accept-Language chose the fragment's language.
BY_BROWSER_KEY = "moderation.locale_by_browser"
# Query arguments that ask for something other than the newest page as it is kept.
PAGE_ARGS = frozenset({"reply_to", "before", "comment", "sort"})


def store_key(etag: str) -> str:
    return f"whole:{etag}"


class VersionReader:
    """``comments.public_version`` for the fast path: the same statement and the same
    token, run on a pooled DBAPI connection without SQLAlchemy's connection and result
    objects around it (they cost more than the primary-key read itself)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        compiled = domain.VERSION_QUERY.compile(dialect=engine.dialect)
        self.sql = str(compiled)
        self.positional = compiled.positional
        self.processors: list[Callable[[Any], Any] | None] = [
            column.type.dialect_impl(engine.dialect).result_processor(engine.dialect, None)
            for column in domain.VERSION_QUERY.selected_columns
        ]
        self.dbapi_error = engine.dialect.loaded_dbapi.Error

        # SQLite: each thread keeps a connection of its own for these reads (a file never
        # drops it, and a read outside a transaction holds no lock), so not even the
        # pool's check-out and reset run per read. A server's connections stay pooled.
        self.kept = threading.local() if engine.dialect.name == "sqlite" else None

    def _connection(self) -> Any:
        if self.kept is None:
            return self.engine.raw_connection()
        connection = getattr(self.kept, "connection", None)
        if connection is None or self.kept.pid != os.getpid():
            connection = self.engine.raw_connection()
            connection.detach()  # the pool's no more: this thread's until it ends
            self.kept.connection, self.kept.pid = connection, os.getpid()
        return connection

    def _instrumented(self, article_id: str) -> str | None:
        """Through SQLAlchemy, where the statement's events fire."""
        with self.engine.connect() as connection:
            row = connection.execute(domain.VERSION_QUERY, {"article_id": article_id}).one_or_none()
        return None if row is None else domain.version_token(*row)

    def __call__(self, article_id: str) -> str | None:
        if self.engine.dispatch.before_cursor_execute:
            # Something watches every statement (tracing, a statement count): it sees
            # this one too.
            return self._instrumented(article_id)
        params: Any = (article_id,) if self.positional else {"article_id": article_id}
        try:
            connection = self._connection()
        except self.dbapi_error as exc:  # no connection: the server is down or refuses
            raise DBAPIError.instance(None, None, exc, self.dbapi_error) from exc
        try:
            cursor = connection.cursor()
            try:
                cursor.execute(self.sql, params)
                row = cursor.fetchone()
            finally:
                cursor.close()
        except self.dbapi_error as exc:
            if self.kept is not None:
                self.kept.connection = None
                connection.close()
            # As SQLAlchemy would raise it: the error pages know its kinds.
            raise DBAPIError.instance(self.sql, params, exc, self.dbapi_error) from exc
        finally:
            if self.kept is None:
                connection.close()  # back to the pool, which rolls back what is left open
        if row is None:
            return None
        version, created_at = (
            value if process is None else process(value)
            for value, process in zip(row, self.processors, strict=True)
        )
        return domain.version_token(int(version), created_at)


class CachedReads:
    def __init__(self, wsgi_app: WSGIApplication, app: Flask) -> None:
        self.wsgi_app = wsgi_app
        self.app = app
        self._ready = False

    def _bind(self) -> None:
        with self.app.app_context():
            self.read_version = VersionReader(db.engine)
            self.store = self.app.extensions["cache"][cache]
        config = self.app.config
        self.config = config
        self.enabled = bool(config["READ_CACHE"])
        public_url = config["PUBLIC_URL"]
        parts = urlsplit(public_url) if public_url else None
        self.own_origin = f"{parts.scheme}://{parts.netloc}" if parts else None
        self.origins = config["ALLOWED_ORIGINS"]
        self._ready = True

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if not self._ready:
            self._bind()
        match = ROUTE.fullmatch(environ.get("PATH_INFO", ""))
        if match is None:
            return self.wsgi_app(environ, start_response)
        if not self.enabled or environ.get("REQUEST_METHOD") != "GET":
            return self._through_flask(environ, start_response, keep=False)
        kind = "json" if match.group(1) else "fragment"
        article_id = match.group(1) or match.group(2)
        if kind == "fragment" and self._refused_origin(environ):
            # Another site's page gets no comments: Flask says why (a 403).
            return self._through_flask(environ, start_response, keep=False)
        stored = self._lookup(environ, kind, article_id)
        if stored is None:
            return self._through_flask(environ, start_response)
        etag, headers, body = stored
        headers = [*headers, ("X-Request-Id", secrets.token_hex(6))]
        if environ.get(BY_BROWSER_KEY) and not any(
            name.lower() == "vary" and "accept-language" in value.lower() for name, value in headers
        ):
            headers.append(("Vary", "Accept-Language"))
        allow = self._allow_origin(environ)
        if allow:
            headers.append(("Access-Control-Allow-Origin", allow))
        if parse_etags(environ.get("HTTP_IF_NONE_MATCH")).contains_weak(etag):
            start_response(
                "304 NOT MODIFIED", [h for h in headers if h[0].lower() not in NOT_IN_304]
            )
            return []
        start_response("200 OK", headers)
        return [body]

    def _lookup(
        self, environ: WSGIEnvironment, kind: str, article_id: str
    ) -> tuple[str, list[tuple[str, str]], bytes] | None:
        query = environ.get("QUERY_STRING", "")
        if len(environ.get("PATH_INFO", "")) + len(query) + 1 > MAX_API_URL_LENGTH:
            return None
        asked = parse_qs(query, keep_blank_values=True)
        # A reply form, or a page other than the newest in the owner's order: Flask's.
        if PAGE_ARGS & asked.keys() or "*" in environ.get("HTTP_IF_NONE_MATCH", ""):
            return None
        if kind == "fragment" and self.own_origin is None:
            return None  # its URLs follow the request's host: Flask knows it best
        if not domain.is_valid_article_id(article_id) or time.monotonic() < caching._skip_until:
            return None
        version = self._version(environ, article_id)
        if version is None:
            return None
        # A miss goes to Flask, which need not read the version again.
        environ[VERSION_KEY] = (article_id, version)
        try:
            extra: tuple[str, ...] = ()
            if kind == "fragment":
                # The fragment speaks the reader's language (``public_etag`` keys it so).
                lang = asked.get("lang", [None])[0]
                locale, by_browser = reader_locale(
                    lang, environ.get("HTTP_ACCEPT_LANGUAGE"), self.config["DEFAULT_LOCALE"]
                )
                environ[BY_BROWSER_KEY] = by_browser
                extra = (
                    assets.load("widget.css").digest,
                    assets.load("widget.js").digest,
                    str(self.config["PUBLIC_URL"]),
                    locale,
                )
            page = page_parts(self.config["COMMENT_SORT"])
            etag = etag_of(kind, ["v", environ[VERSION_KEY][1]], "", page, self.config, extra)
            stored = self.store.get(store_key(etag))
        except Exception:  # a database or a Redis that fails: Flask answers, and says so
            return None
        if not isinstance(stored, tuple):
            return None
        headers, body = stored
        return etag, list(headers), body

    def _version(self, environ: WSGIEnvironment, article_id: str) -> str | None:
        """The article's version (from Redis when shared there, else one primary-key
        read); None for an article that does not exist, or a database that failed."""

        try:
            return caching.read_version(
                self.store, self.config, article_id, lambda: self.read_version(article_id)
            )
        except Exception as exc:
            # Flask raises it again and answers as for any failing database (a 503),
            # without waiting on the database a second time.
            environ[VERSION_KEY] = (article_id, exc)
            return None

    def _own(self, environ: WSGIEnvironment) -> str:
        return self.own_origin or f"{environ['wsgi.url_scheme']}://{environ.get('HTTP_HOST', '')}"

    def _refused_origin(self, environ: WSGIEnvironment) -> bool:
        """``cors.origin_allowed`` says no: a browser on a site not allowed."""
        origin = environ.get("HTTP_ORIGIN")
        if not origin or origin.rstrip("/") == self._own(environ):
            return False
        return self._allow_origin(environ) is None

    def _allow_origin(self, environ: WSGIEnvironment) -> str | None:
        """``cors.add_cors_headers``'s answer for this request's Origin."""
        origin = environ.get("HTTP_ORIGIN")
        if not origin:
            return None
        bare = origin.rstrip("/")
        if bare == self._own(environ):
            return None
        if bare in self.origins or "*" in self.origins:
            return origin
        return None

    def _through_flask(
        self, environ: WSGIEnvironment, start_response: StartResponse, keep: bool = True
    ) -> Iterable[bytes]:
        """Flask's answer; kept whole when the view says it may be (and ``keep``)."""
        seen: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            keep_it = keep and any(name == STORE_HEADER for name, _ in headers)
            seen.update(status=status, headers=headers, keep=keep_it)
            sent = [(k, v) for k, v in headers if k != STORE_HEADER]
            return (
                start_response(status, sent, exc_info) if exc_info else start_response(status, sent)
            )

        answer = self.wsgi_app(environ, capture)
        if not seen.get("keep") or not str(seen.get("status", "")).startswith("200"):
            return answer
        try:
            body = b"".join(answer)
        finally:
            close = getattr(answer, "close", None)
            if close is not None:
                close()
        headers = [(k, v) for k, v in seen["headers"] if k.lower() not in PER_REQUEST]
        etag = dict(headers).get("ETag", "").strip('"')
        if etag and time.monotonic() >= caching._skip_until:
            try:
                self.store.set(store_key(etag), (headers, body))
            except Exception as exc:
                caching._unavailable(exc)
        return [body]
