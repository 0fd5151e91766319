"""Post comments from many clients at once to a real gunicorn, then kill it mid-load.

The scenarios of ``tests/test_reliability.py`` (concurrent posts; ``kill -9`` of the
master and every worker during posts, then a restart), on a new temporary SQLite file in
WAL mode, or on a scratch PostgreSQL database given with ``--database-url`` (the
migrations bring it up to date; each run posts to new articles). Prints one table:

    .venv/bin/python bench/reliability.py [--clients 8] [--posts 200] [--workers 4]
        [--database-url postgresql+psycopg://postgres@127.0.0.1/scratch]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import uuid
from functools import partial
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from flask_migrate import upgrade  # noqa: E402

from moderation import comments as domain  # noqa: E402
from moderation import create_app  # noqa: E402
from moderation.extensions import db  # noqa: E402
from tests import write_load  # noqa: E402
from tests.workers import Gunicorn  # noqa: E402

SECRET = "reliability-bench-secret"
# New articles each run, so a reused database holds no rows of an earlier one.
RUN = uuid.uuid4().hex[:8]
ARTICLES = {"concurrency": f"bench-concurrency-{RUN}", "crash": f"bench-crash-{RUN}"}


def prepare(database_url: str) -> None:
    app = create_app({"TESTING": True, "SECRET_KEY": SECRET, "DATABASE_URL": database_url})
    with app.app_context():
        upgrade()
        for article_id in ARTICLES.values():
            domain.create_article(article_id, title="Reliability bench")
        db.session.commit()
        db.engine.dispose()


def row(label: str, *values: object) -> str:
    return f"{label:<42}" + "".join(f"{value!s:>14}" for value in values)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--posts", type=int, default=200, help="posts per client")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--kill-after", type=int, default=300, help="202s before the kill")
    parser.add_argument("--database-url", help="a scratch database (default: new SQLite)")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="reliability-"))
    database_url = args.database_url or f"sqlite:///{folder}/bench.sqlite3"
    prepare(database_url)
    servers: list[Gunicorn] = []

    def start(environ: dict[str, str]) -> Gunicorn:
        server = Gunicorn(environ, folder / f"gunicorn-{len(servers)}.log", args.workers)
        servers.append(server)
        server.wait_ready()
        return server

    try:
        run = partial(write_load.concurrency, start, database_url, SECRET, clients=args.clients)
        concurrent = run(ARTICLES["concurrency"], posts=args.posts)
        crashed = write_load.crash(
            start,
            database_url,
            SECRET,
            ARTICLES["crash"],
            clients=args.clients,
            posts=args.posts,
            kill_after=args.kill_after,
        )
    finally:
        for server in servers:
            server.stop()

    backend = database_url.split(":", 1)[0]
    print(
        f"{args.clients} clients x {args.posts} posts, gunicorn with {args.workers} workers, "
        f"{backend}; logs in {folder}"
    )
    print(row("", "concurrency", "crash"))
    figures = (concurrent, crashed)
    print(row("posts sent", *(f.sent for f in figures)))
    print(row("answered 202 (acknowledged)", *(len(f.accepted) for f in figures)))
    print(row("rows stored", *(len(f.stored) for f in figures)))
    print(row("acknowledged but missing or different", *(len(f.lost) for f in figures)))
    print(row("stored without an answer (cut by the kill)", "", crashed_extra(crashed)))
    print(row("5xx answers", *(f.server_errors for f in figures)))
    print(row("requests without an answer", *(len(f.failed) for f in figures)))
    print(row('"database is locked" log lines', *(f.locked_lines for f in figures)))
    print(row("tracebacks in the log", *(f.tracebacks for f in figures)))
    print(row("processes killed (master + workers)", "", len(crashed.killed)))
    print(row("PRAGMA integrity_check", *(f.integrity for f in figures)))
    print(row("seconds", *(f"{f.seconds:.1f}" for f in figures)))
    bad = any(f.lost or f.server_errors or f.locked_lines for f in figures)
    bad = bad or concurrent.failed != [] or len(concurrent.stored) != len(concurrent.accepted)
    return 1 if bad else 0


def crashed_extra(figures: write_load.Figures) -> int:
    return len(set(figures.stored) - set(figures.accepted))


if __name__ == "__main__":
    sys.exit(main())
