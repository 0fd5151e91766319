"""The reader's POST with notifications on versus off, in one run, interleaved.

"Off": the moderators chose no mail and no webhook is configured. "On": two moderators
get a mail for each comment and one webhook gets every event, so each POST writes three
outbox rows (with signed one-click links) in its transaction. A worker process
(``flask outbox run``) drains the outbox meanwhile into a local SMTP server and a local
webhook receiver, as in production. Rounds alternate between the two; the figures are
medians. The target: "on" keeps at least 0.9 of the throughput of "off". The ratio of
CPU time spent by the posting process is printed too: on a busy machine it shows the
POST's own cost apart from what other processes take.

    .venv/bin/python bench/notify_throughput.py [--rounds 30] [--posts 25] [--no-worker]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import func, select

from moderation import comments as domain
from moderation import create_app
from moderation.accounts.models import Moderator
from moderation.comments.tokens import issue_token
from moderation.extensions import db
from moderation.notify import preferences
from moderation.notify.models import OutboxMessage, State

ARTICLE = "bench-article"
PROJECT = Path(__file__).resolve().parent.parent
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Sink:
    """An SMTP server and a webhook receiver on loopback that accept everything."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        class Accept:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                return "250 OK"

        self.smtp_port = free_port()
        self.smtp = Controller(Accept(), hostname="127.0.0.1", port=self.smtp_port)
        self.smtp.start()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.hook_url = f"http://127.0.0.1:{self.http.server_port}/hook"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.smtp.stop()
        self.http.shutdown()


def make_app(folder: str, name: str, sink: Sink, on: bool) -> tuple[Flask, dict[str, str]]:
    url = f"sqlite:///{folder}/{name}.sqlite3"
    config: dict[str, Any] = {
        "SECRET_KEY": "bench",
        "DATABASE_URL": url,
        "PUBLIC_URL": "http://localhost",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": sink.smtp_port,
        "SMTP_STARTTLS": False,
        "WEBHOOK_URLS": [sink.hook_url] if on else [],
        "WEBHOOK_SECRET": SECRET,
    }
    app = create_app({"TESTING": True, "MIN_FILL_SECONDS": 0, "RATELIMIT_ENABLED": False, **config})
    with app.app_context():
        upgrade()
        domain.create_article(ARTICLE, title="Bench", url="https://blog.example/bench")
        for n in range(2):
            moderator = Moderator(email=f"mod{n}@example.com", password_hash="x", active=True)
            db.session.add(moderator)
            db.session.flush()
            if not on:
                preferences.set_preference(moderator.id, "none")
        db.session.commit()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODERATION_")}
    env.update({f"MODERATION_{k}": str(v) for k, v in config.items() if k != "WEBHOOK_URLS"})
    env["MODERATION_WEBHOOK_URLS"] = " ".join(config["WEBHOOK_URLS"])
    env["MODERATION_OUTBOX_POLL_SECONDS"] = "0.2"
    env["PYTHONPATH"] = str(PROJECT)
    return app, env


def poster(app: Flask) -> Callable[[], None]:
    client = app.test_client()
    path = f"/api/articles/{ARTICLE}/comments"
    secret = app.config["SECRET_KEY"]

    def post() -> None:
        body = {
            "name": "Bench Reader",
            "email": "reader@example.org",
            "body": "A *thoughtful* comment with a [link](https://example.com).",
            "token": issue_token(secret, ARTICLE),
        }
        status = client.post(path, json=body).status_code
        assert status == 202, status

    return post


def measure(call: Callable[[], None], posts: int) -> tuple[float, float]:
    """Posts per second of wall-clock time and of this process's CPU time."""
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(posts):
        call()
    return posts / (time.perf_counter() - wall), posts / (time.process_time() - cpu)


def outbox_counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(
            select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
        )
        return {State(state).value: int(n) for state, n in rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--posts", type=int, default=25, help="posts per side and round")
    parser.add_argument("--no-worker", action="store_true", help="leave the outbox unsent")
    args = parser.parse_args()

    folder = tempfile.mkdtemp()
    sink = Sink()
    apps = {
        "off": make_app(folder, "off", sink, on=False),
        "on": make_app(folder, "on", sink, on=True),
    }
    workers = []
    if not args.no_worker:
        for _, env in apps.values():
            workers.append(
                subprocess.Popen(
                    [sys.executable, "-m", "flask", "--app", "wsgi", "outbox", "run"],
                    cwd=PROJECT,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        time.sleep(2)  # the workers start up
    posts = {name: poster(app) for name, (app, _) in apps.items()}
    for post in posts.values():  # warm up
        measure(post, 20)
    rates: dict[str, list[float]] = {"off": [], "on": []}
    ratios, cpu_ratios = [], []
    for n in range(args.rounds):
        order = ["off", "on"] if n % 2 == 0 else ["on", "off"]
        this = {name: measure(posts[name], args.posts) for name in order}
        for name, (wall, _) in this.items():
            rates[name].append(wall)
        ratios.append(this["on"][0] / this["off"][0])
        cpu_ratios.append(this["on"][1] / this["off"][1])
    time.sleep(1)
    for worker in workers:
        worker.terminate()
        worker.wait(timeout=15)
    sink.stop()

    off, on = statistics.median(rates["off"]), statistics.median(rates["on"])
    ratio, cpu_ratio = statistics.median(ratios), statistics.median(cpu_ratios)
    drains = "no" if args.no_worker else "yes"
    print("Reader's POST, SQLite, Flask test client, one process; a worker process drains")
    print(
        f"the outbox meanwhile: {drains}. {args.rounds} interleaved rounds of {args.posts} "
        "posts a side; medians."
    )
    print(f"{'notifications':<28} {'posts/s':>9}")
    print(f"{'off (no mail, no webhook)':<28} {off:>9.0f}")
    print(f"{'on (2 mails + 1 webhook)':<28} {on:>9.0f}")
    verdict = "met" if ratio >= 0.9 else "MISSED"
    print(f"ratio on/off, wall clock:        {ratio:.2f} (target >= 0.90: {verdict})")
    print(f"ratio on/off, this process's CPU: {cpu_ratio:.2f}")
    counts = outbox_counts(apps["on"][0])
    print(f"outbox of 'on' afterwards: {counts}")


if __name__ == "__main__":
    main()
