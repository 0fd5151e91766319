"""Time the public endpoints side by side, in one run, on a temporary SQLite database.

Prints requests per second for each endpoint and its cost relative to the cheapest one
(issuing a form token), so figures from noisy machines can still be compared:

    .venv/bin/python bench/api_latency.py [--comments 200] [--seconds 1.5]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable

from flask_migrate import upgrade

from moderation import comments as domain
from moderation import create_app
from moderation.comments.tokens import issue_token
from moderation.extensions import db

ARTICLE = "bench-article"


def measure(call: Callable[[], int], seconds: float) -> float:
    """Requests per second of ``call`` over about ``seconds``."""
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        status = call()
        assert status < 500, status
        count += 1
    return count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=1.5)
    args = parser.parse_args()

    folder = tempfile.mkdtemp()
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3",
            "MIN_FILL_SECONDS": 0,
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        upgrade()
        article = domain.create_article(ARTICLE, title="Bench")
        for n in range(args.comments):
            comment = domain.submit_comment(
                article,
                domain.Submission(
                    name=f"Reader {n}",
                    email=f"r{n}@example.org",
                    website="",
                    body=f"A *thoughtful* comment, number {n}, with a [link](https://example.com).",
                ),
            )
            domain.approve(comment, None)
        db.session.commit()

    client = app.test_client()
    listing = f"/api/articles/{ARTICLE}/comments"
    etag = client.get(listing).headers["ETag"]
    secret = app.config["SECRET_KEY"]

    def post() -> int:
        # A form token carries one comment: every post fetches its own, as the widget does.
        body = {"name": "Bench", "email": "b@example.org", "body": "Posted"}
        body["token"] = issue_token(secret, ARTICLE)
        status = client.post(listing, json=body).status_code
        assert status == 202, status
        return status

    cases: dict[str, Callable[[], int]] = {
        "form token": lambda: client.get(f"/api/articles/{ARTICLE}/form-token").status_code,
        "list JSON (200)": lambda: client.get(listing).status_code,
        "list JSON (304)": lambda: client.get(listing, headers={"If-None-Match": etag}).status_code,
        "embed page": lambda: client.get(f"/embed/{ARTICLE}").status_code,
        "post comment": post,
    }
    results = {name: measure(call, args.seconds) for name, call in cases.items()}
    base = results["form token"]
    print(f"{args.comments} approved comments, SQLite, Flask test client, one process")
    print(f"{'endpoint':<18} {'req/s':>9} {'cost vs token':>14}")
    for name, rate in results.items():
        print(f"{name:<18} {rate:>9.0f} {base / rate:>13.1f}x")


if __name__ == "__main__":
    main()
