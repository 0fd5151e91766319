"""Gunicorn's settings for the comment service: ``gunicorn -c gunicorn.conf.py wsgi:app``.

Command-line options (``--workers``, ``--bind``…) override what is set here. The access
log keeps no query string of the dashboard's addresses (its searches carry emails) or of
an address carrying a reader's edit token, nor of such a referring page; each line ends
with the request id that error pages show.
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

bind = "127.0.0.1:8000"
workers = 4
# Requests fail fast when the database does not answer (MODERATION_DB_*_TIMEOUT); this
# is only the last resort for a worker stuck anywhere else.
timeout = 30
accesslog = "-"
errorlog = "-"
# The combined format, then the time taken (ms) and the request id (X-Request-Id).
access_log_format = (
    '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms %({x-request-id}o)s'
)

PRIVATE_PREFIX = "/moderation"


def is_private(path: str) -> bool:
    """A dashboard address, however it is spelled (``//moderation/``, ``/moderation``)."""
    path = "/" + path.lstrip("/")
    return path == PRIVATE_PREFIX or path.startswith(PRIVATE_PREFIX + "/")


# Query parameters that carry a secret (a reader's edit token in the no-JS page's links):
# an address with one is logged without its query string, wherever it points.
SECRET_PARAMS = ("edit",)


def carries_secret(query: str) -> bool:
    return any(part.split("=", 1)[0] in SECRET_PARAMS for part in query.split("#", 1)[0].split("&"))


def without_query(url: str) -> str:
    return url.split("?", 1)[0].split("#", 1)[0]


class PrivateAccessLogger(Logger):
    """Gunicorn's logger, leaving out the query string of the dashboard's addresses.

    ``access_log_format`` cannot branch on the path, so the atoms it is filled with are
    cleaned here: the request line, the query string, the raw URI, and a referrer that
    is a dashboard page.
    """

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> Any:
        atoms = super().atoms(resp, req, environ, request_time)
        path = str(environ.get("PATH_INFO") or "")
        if is_private(path) or carries_secret(str(environ.get("QUERY_STRING") or "")):
            raw_uri = without_query(str(environ.get("RAW_URI") or path))
            atoms["r"] = f"{environ['REQUEST_METHOD']} {raw_uri} {environ['SERVER_PROTOCOL']}"
            atoms["q"] = ""
            for key in ("{query_string}e", "{raw_uri}e", "{request_uri}e"):
                if key in atoms:
                    atoms[key] = without_query(str(atoms[key]))
        referrer = str(environ.get("HTTP_REFERER") or "")
        referred_path = "/" + referrer.split("://", 1)[-1].partition("/")[2]
        if "?" in referrer and (
            is_private(referred_path) or carries_secret(referrer.partition("?")[2])
        ):
            atoms["f"] = without_query(referrer)
            atoms["{referer}i"] = atoms["f"]
        return atoms


logger_class = PrivateAccessLogger
