"""Does page 40 of a long thread cost what page 1 costs? Keyset paging says it should.

Builds a 2,000-comment article (top-level comments, every fourth with a reply) on a
temporary SQLite database, or on MODERATION_BENCH_DATABASE_URL (a PostgreSQL database
that this script empties), then times the JSON list and the fragment for page 1 and
for page 40, interleaved in rounds, and prints the medians and their ratio:

    .venv/bin/python bench/thread_pages.py [--comments 2000] [--rounds 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from typing import Any

from flask_migrate import upgrade
from sqlalchemy import text

from moderation import comments as domain
from moderation import create_app
from moderation.comments.models import Comment, Status
from moderation.extensions import db

ARTICLE = "long-thread"
PAGE_SIZE = 20


def build(app: Any, total: int) -> list[int]:
    """The article and its comments; the ids of the top-level ones, newest first."""
    with app.app_context():
        article = domain.create_article(ARTICLE, title="A long thread")
        roots: list[int] = []
        made = 0
        while made < total:
            comment = Comment(
                article=article,
                author_name=f"Reader {made}",
                email=f"r{made}@example.org",
                body=f"Comment {made}",
                html=f"<p>Comment {made}</p>",
                status=Status.APPROVED,
            )
            db.session.add(comment)
            db.session.flush()
            roots.append(comment.id)
            made += 1
            if made % 4 == 0 and made < total:
                db.session.add(
                    Comment(
                        article=article,
                        parent_id=comment.id,
                        author_name="Replier",
                        email="reply@example.org",
                        body="A reply",
                        html="<p>A reply</p>",
                        status=Status.APPROVED,
                    )
                )
                made += 1
        db.session.commit()
        return list(reversed(roots))


def timed(client: Any, url: str) -> float:
    start = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - start
    assert response.status_code == 200, (url, response.status_code)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()

    url = os.environ.get("MODERATION_BENCH_DATABASE_URL")
    if url:
        app = create_app({"TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": url})
        with app.app_context():
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
    else:
        url = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "DATABASE_URL": url,
            "RATELIMIT_ENABLED": False,
            "PAGE_SIZE": PAGE_SIZE,
        }
    )
    with app.app_context():
        upgrade()
    roots = build(app, args.comments)
    pages = len(roots) // PAGE_SIZE
    page40 = min(40, pages)
    # Page n starts after the last thread of page n - 1.
    before = roots[(page40 - 1) * PAGE_SIZE - 1]
    client = app.test_client()
    urls = {
        "JSON page 1": f"/api/articles/{ARTICLE}/comments",
        f"JSON page {page40}": f"/api/articles/{ARTICLE}/comments?before={before}",
        "fragment page 1": f"/embed/{ARTICLE}/fragment",
        f"fragment page {page40}": f"/embed/{ARTICLE}/fragment?before={before}",
    }
    for address in urls.values():
        timed(client, address)  # warm up
    times: dict[str, list[float]] = {name: [] for name in urls}
    for _ in range(args.rounds):
        for name, address in urls.items():
            times[name].append(timed(client, address))
    backend = url.split(":", 1)[0]
    print(
        f"{args.comments:,} comments, {len(roots):,} threads, {PAGE_SIZE} threads a page "
        f"({pages} pages), {backend}, median of {args.rounds} interleaved rounds:"
    )
    medians = {name: statistics.median(values) * 1000 for name, values in times.items()}
    for name, median in medians.items():
        print(f"  {name:<18} {median:7.2f} ms")
    names = list(medians)
    for kind, first, far in (("JSON", names[0], names[1]), ("fragment", names[2], names[3])):
        print(f"  {kind} page {page40} / page 1: {medians[far] / medians[first]:.2f}x")


if __name__ == "__main__":
    main()
