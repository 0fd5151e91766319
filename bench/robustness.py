"""Print the figures of one robustness run: requests fuzzed from the OpenAPI description,
5xx answers seen, private-field leaks, and how long the service takes to answer again
after PostgreSQL comes back.

    .venv/bin/python bench/robustness.py [--examples 300] [--no-outage]

The fuzzing runs in process on a temporary SQLite database; the outage part starts a
throwaway PostgreSQL cluster (needs root and the server binaries) and gunicorn.
The reliability of writes under load and after a kill is in bench/reliability.py.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import schemathesis  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis.generation.modes import GenerationMode  # noqa: E402

from moderation import comments as domain  # noqa: E402
from moderation import create_app  # noqa: E402
from moderation.comments.tokens import issue_token  # noqa: E402
from moderation.extensions import db  # noqa: E402

SPEC = ROOT / "moderation" / "static" / "openapi.json"
ARTICLE = "bench-article"
SECRET_EMAIL = "never-public-7c1e@example.org"


class Tally:
    def __init__(self) -> None:
        self.requests = 0
        self.server_errors = 0
        self.leaks = 0
        self.statuses: dict[int, int] = {}
        # Operations with nothing to vary in a mode (a GET without parameters has no
        # invalid form, say).
        self.skipped: list[str] = []


def fuzz(examples: int) -> Tally:
    """Every operation of the spec, positive and negative cases, counting what came back."""
    tally = Tally()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "bench-secret",
                "DATABASE_URL": f"sqlite:///{folder}/fuzz.sqlite3",
                "MIN_FILL_SECONDS": 0,
                "RATELIMIT_ENABLED": False,
                "ALLOWED_ORIGINS": ["*"],
            }
        )
        app.config["PROPAGATE_EXCEPTIONS"] = False
        with app.app_context():
            upgrade()
            article = domain.create_article(ARTICLE, title="Bench", url="/bench")
            secret = domain.submit_comment(
                article,
                domain.Submission(name="Hidden", email=SECRET_EMAIL, website="", body="Hi"),
                remote_addr="198.51.100.99",
            )
            domain.approve(secret)
            db.session.commit()

        schema = schemathesis.openapi.from_path(str(SPEC))
        results: list[Any] = list(schema.get_all_operations())
        operations = [result.ok() for result in results]
        for operation, mode in itertools.product(operations, GenerationMode):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=examples,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def run(case: Any) -> None:
                if isinstance(case.body, dict):
                    article_id = case.path_parameters.get("article_id", ARTICLE)
                    case.body["token"] = issue_token("bench-secret", article_id)
                response = case.call(app=app)
                tally.requests += 1
                tally.statuses[response.status_code] = (
                    tally.statuses.get(response.status_code, 0) + 1
                )
                if response.status_code >= 500:
                    tally.server_errors += 1
                text = response.text + str(response.headers)
                if SECRET_EMAIL in text or "198.51.100.99" in text:
                    tally.leaks += 1

            try:
                run()
            except Unsatisfiable:
                tally.skipped.append(f"{operation.label} ({mode.value})")
    return tally


def outage_recovery() -> float | None:
    """Seconds from PostgreSQL's restart to the first good answer, or None if skipped."""
    from tests.gunicorn_server import Browserless, Cluster, Gunicorn, postgres_bindir

    bindir = postgres_bindir()
    if bindir is None or os.geteuid() != 0:
        print("outage: skipped (needs root and PostgreSQL's server binaries)")
        return None
    cluster = Cluster(bindir)
    try:
        app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": cluster.url})
        with app.app_context():
            upgrade()
            domain.create_article("t1", title="Bench")
            db.session.commit()
            db.engine.dispose()
        with tempfile.TemporaryDirectory() as folder:
            server = Gunicorn(Path(folder), {"MODERATION_DATABASE_URL": cluster.url}, workers=2)
            try:
                client = Browserless(server.url)
                cluster.stop()
                assert client.request("/api/articles/t1/comments").status == 503
                cluster.start()
                started = time.monotonic()
                while client.request("/api/articles/t1/comments").status != 200:
                    if time.monotonic() - started > 60:
                        return float("inf")
                    time.sleep(0.05)
                return time.monotonic() - started
            finally:
                server.stop()
    finally:
        cluster.remove()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=300, help="examples per operation")
    parser.add_argument("--no-outage", action="store_true", help="skip the PostgreSQL part")
    args = parser.parse_args()
    began = time.monotonic()
    tally = fuzz(args.examples)
    recovery = None if args.no_outage else outage_recovery()
    rows = [
        ("requests fuzzed", str(tally.requests)),
        ("answers by status", ", ".join(f"{k}: {v}" for k, v in sorted(tally.statuses.items()))),
        ("operation modes not generated", str(len(tally.skipped))),
        ("5xx seen", str(tally.server_errors)),
        ("private-field leaks", str(tally.leaks)),
        ("outage recovery (s)", "skipped" if recovery is None else f"{recovery:.2f}"),
        ("run time (s)", f"{time.monotonic() - began:.1f}"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    sys.exit(1 if tally.server_errors or tally.leaks else 0)


if __name__ == "__main__":
    main()
