"""Side by side, under load: this service, Isso 0.14 and a bare WSGI app serving the
same bytes, each under gunicorn with 2 sync workers, driven by wrk at fixed concurrency.
Comment POSTs are also measured on the floor of this service's stack: a Flask app whose
only work is a Flask-WTF form and one Flask-SQLAlchemy row, how far any POST of ours
could go.

    .venv/bin/python bench/side_by_side.py [--seconds 5] [--rounds 3] [--pg URL]

Everything it needs it sets up itself under bench/.build (gitignored): Isso from PyPI in
a throwaway venv, the databases, nginx's configuration and cache. wrk and nginx are
Debian's (`make bench-deps` installs them). Rounds are interleaved (A, B, C, A, B, C…)
and each figure is the median of its rounds, since the machines are shared and noisy;
the targets are ratios measured in the same run. Isso's reads run before any write,
since its read path slows as its table grows. It prints the table and writes
bench/RESULTS.md. The PostgreSQL part of the large-database latency needs --pg (or
MODERATION_BENCH_DATABASE_URL): a server where it may create two databases.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import os
import platform
import random
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
BUILD = BENCH / ".build"
ISSO_VENV = BUILD / "isso"
ISSO_VERSION = "0.14.0"
SECRET = "bench-only-secret-key-0123456789abcdef"
ARTICLE = "bench-article"
POSTS = "bench-posts"  # writes go to another article, so the reads stay the same
COMMENTS = 100
AUTHORS = 40  # 100 comments by 40 people: conversations, not strangers
CONNECTIONS = 32
THREADS = 2
WORKERS = 2

sys.path.insert(0, str(ROOT))

WORDS = (
    "film father daughter prison cell seven miracle story tears laugh scene actor actress "
    "remake original version ending music light warm cold winter court judge guard friend "
    "kindness memory balloon yellow school child innocent justice cry watched again "
    "family brilliant performance moving script camera slow quiet loud heart broken "
    "hope truth lie trial evidence years later remember why because although still never "
    "always perhaps maybe really quite simply honestly think believe feel wonder write"
).split()


def comment_text(rng: random.Random, length: int = 300) -> str:
    """About ``length`` characters of plausible, varied prose (so gzip is not flattered)."""
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < length:
        word = rng.choice(WORDS)
        if rng.random() < 0.04:
            word = f"*{word}*"
        words.append(word)
    text = " ".join(words)[:length].rstrip()
    return text[0].upper() + text[1:] + "."


def authors(rng: random.Random) -> list[tuple[str, str, str]]:
    people = []
    for n in range(AUTHORS):
        name = f"{rng.choice(['Ann', 'Bo', 'Cy', 'Dee', 'Eli', 'Fay'])} Reader{n}"
        website = f"https://blog{n}.example/" if n % 3 == 0 else ""
        people.append((name, f"reader{n}@example.org", website))
    return people


# --- processes ---------------------------------------------------------------------


def free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, check=True, text=True, capture_output=True, **kwargs)


@dataclass
class Server:
    name: str
    argv: list[str]
    env: dict[str, str]
    ready_path: str
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        log = (BUILD / "logs" / f"{self.name}.log").open("w")
        argv = [a.replace("{port}", str(self.port)) for a in self.argv]
        self.process = subprocess.Popen(
            argv, env={**os.environ, **self.env}, stdout=log, stderr=subprocess.STDOUT, cwd=BUILD
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} exited; see {log.name}")
            try:
                with urllib.request.urlopen(self.url + self.ready_path, timeout=5):
                    return self
            except OSError:
                time.sleep(0.2)
        raise SystemExit(f"{self.name} did not answer; see {log.name}")

    def workers(self) -> list[int]:
        assert self.process is not None
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()]

    def peak_rss_mb(self) -> float:
        """The largest peak resident set (VmHWM) among the workers, in MB."""
        peaks = []
        for pid in self.workers():
            status = Path(f"/proc/{pid}/status").read_text()
            match = re.search(r"VmHWM:\s+(\d+) kB", status)
            if match:
                peaks.append(int(match.group(1)) / 1024)
        return max(peaks) if peaks else float("nan")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def gunicorn(python: Path | str, app: str, pythonpath: Path = BUILD) -> list[str]:
    return [
        str(python),
        *("-m", "gunicorn", "--workers", str(WORKERS), "--worker-class", "sync"),
        *("--bind", "127.0.0.1:{port}", "--pythonpath", str(pythonpath), app),
    ]


# --- load -------------------------------------------------------------------------


@dataclass
class Load:
    rps: float
    p99_ms: float
    accepted: int = 0
    errors: int = 0
    ids: list[int] = field(default_factory=list)


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(url: str, seconds: float, script: Path | None = None) -> Load:
    argv = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{max(1, round(seconds))}s", "--latency"]
    if script:
        argv += ["-s", str(script)]
    out = run([*argv, url], timeout=seconds + 120).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s|m)\b", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    accepted = re.search(r"ACCEPTED (\d+)", out)
    ids = [int(i) for line in re.findall(r"^IDS (.*)$", out, re.M) for i in line.split(",") if i]
    return Load(
        rps,
        _ms(*p99.groups()) if p99 else float("nan"),
        int(accepted.group(1)) if accepted else 0,
        int(errors.group(1)) if errors else 0,
        ids,
    )


LUA_COUNTING = """
local threads = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
accepted = 0
ids = {}
function response(status, headers, body)
  if status == %(status)d then
    accepted = accepted + 1
    table.insert(ids, body:match('"id":%%s*(%%d+)') or "0")
  end
end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("accepted")
    io.write("IDS " .. table.concat(thread:get("ids"), ",") .. "\\n")
  end
  io.write("ACCEPTED " .. total .. "\\n")
end
"""


def lua_headers(path: Path, headers: dict[str, str]) -> Path:
    lines = [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def lua_posts(path: Path, target: str, bodies: list[str], status: int) -> Path:
    """POST each body once, the threads taking turns through the list."""
    table = ",\n".join(json.dumps(b) for b in bodies)
    path.write_text(
        LUA_COUNTING % {"status": status}
        + f"bodies = {{\n{table}\n}}\nlocal n = 0\n"
        + 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
        + "function request()\n"
        + f"  n = n + 1\n  local i = ((n - 1) * {THREADS} + id) % #bodies + 1\n"
        + f'  return wrk.format("POST", {json.dumps(target)}, nil, bodies[i])\n'
        + "end\n"
    )
    return path


# --- this service ------------------------------------------------------------------


def app_config(database_url: str, **extra: Any) -> dict[str, Any]:
    return {
        "SECRET_KEY": SECRET,
        "DATABASE_URL": database_url,
        "MIN_FILL_SECONDS": 0,
        "RATELIMIT_ENABLED": False,
        # One page holds every thread, so both services list the same 100 comments.
        "PAGE_SIZE": COMMENTS,
        **extra,
    }


def write_wsgi_module(name: str, database_url: str, **extra: Any) -> str:
    """A WSGI module under the build folder that builds this app with ``extra`` settings."""
    config = app_config(database_url, **extra)
    (BUILD / f"{name}.py").write_text(
        "import logging\nfrom moderation import create_app\n"
        f"app = create_app({config!r})\n"
        'logging.getLogger("moderation").setLevel(logging.WARNING)\n'
    )
    return f"{name}:app"


def load_article(database_url: str, rng: random.Random) -> None:
    """A fresh database: the read article with its approved comments, the posts' one."""
    from flask_migrate import upgrade

    from moderation import comments as domain
    from moderation import create_app
    from moderation.extensions import db

    app = create_app(app_config(database_url))
    quiet()
    people = authors(rng)
    with app.app_context():
        upgrade()
        article = domain.create_article(ARTICLE, title="Miracle in Cell No. 7, again")
        domain.create_article(POSTS, title="Where the writes go")
        parents: list[int] = []
        for n in range(COMMENTS):
            name, email, website = people[n % AUTHORS if n % 5 else rng.randrange(AUTHORS)]
            parent = rng.choice(parents) if parents and rng.random() < 0.3 else None
            comment = domain.submit_comment(
                article,
                domain.Submission(name, email, website, comment_text(rng), parent_id=parent),
                max_depth=10,
            )
            domain.approve(comment)
            db.session.flush()
            parents.append(comment.id)
        db.session.commit()
        db.engine.dispose()


def quiet() -> None:
    """The app's INFO lines (one per comment stored) are not what this run shows."""
    logging.getLogger("moderation").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)


def stored_ids(path: Path, table: str, ids: list[int]) -> int:
    """How many of ``ids`` are rows of ``table``."""
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("CREATE TEMP TABLE wanted (id INTEGER PRIMARY KEY)")
        connection.executemany("INSERT OR IGNORE INTO wanted VALUES (?)", [(i,) for i in ids])
        sql = f"SELECT count(*) FROM {table} JOIN wanted USING (id)"
        return int(connection.execute(sql).fetchone()[0])


def sqlite_count(path: Path, sql: str, *args: Any) -> int:
    with closing(sqlite3.connect(path)) as connection:
        return int(connection.execute(sql, args).fetchone()[0])


# --- Isso --------------------------------------------------------------------------


def isso_python() -> Path:
    python = ISSO_VENV / "bin" / "python"
    if not python.exists():
        print(f"Installing Isso {ISSO_VERSION} into {ISSO_VENV.relative_to(ROOT)} …", flush=True)
        run([sys.executable, "-m", "venv", str(ISSO_VENV)])
        run([str(python), "-m", "pip", "install", "-q", f"isso=={ISSO_VERSION}", "gunicorn"])
    return python


def isso_config(db_path: Path, blog: str) -> Path:
    config = BUILD / "isso.cfg"
    config.write_text(
        textwrap.dedent(
            f"""\
            [general]
            dbpath = {db_path}
            host = {blog}
            notify = stdout
            [moderation]
            enabled = false
            [guard]
            enabled = false
            [server]
            listen = http://127.0.0.1:8080
            [hash]
            salt = benchbenchbenchbench
            """
        )
    )
    return config


def isso_post(url: str, uri: str, body: dict[str, Any]) -> int:
    request = urllib.request.Request(
        f"{url}/new?uri={urllib.request.quote(uri)}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return int(response.status)


def load_isso(url: str, rng: random.Random) -> None:
    people = authors(rng)
    ids: list[int] = []
    for n in range(COMMENTS):
        name, email, website = people[n % AUTHORS if n % 5 else rng.randrange(AUTHORS)]
        body: dict[str, Any] = {"text": comment_text(rng), "author": name, "email": email}
        body["title"] = "Miracle in Cell No. 7, again"
        if website:
            body["website"] = website
        if ids and rng.random() < 0.3:
            body["parent"] = rng.choice(ids)
        assert isso_post(url, "/" + ARTICLE, body) == 201
        ids.append(n + 1)
    assert isso_post(url, "/" + POSTS, {"text": "First.", "title": "Posts"}) == 201


# --- the bare WSGI app ---------------------------------------------------------------

BARE_APP = """
import json
from pathlib import Path

SERVED = json.loads(Path(__file__).with_name("bare.json").read_text())
BODIES = {path: (bytes.fromhex(body), headers) for path, (body, headers) in SERVED.items()}


def app(environ, start_response):
    body, headers = BODIES[environ["PATH_INFO"]]
    etag = dict(headers).get("ETag")
    if etag and environ.get("HTTP_IF_NONE_MATCH") == etag:
        start_response("304 Not Modified", [h for h in headers if h[0] != "Content-Type"])
        return [b""]
    start_response("200 OK", headers + [("Content-Length", str(len(body)))])
    return [body]
"""


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, dict[str, str]]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


def write_bare_app(served: dict[str, tuple[bytes, dict[str, str]]]) -> str:
    kept = ("Content-Type", "ETag", "Cache-Control", "Vary")
    table = {
        path: (body.hex(), [(k, v) for k, v in headers.items() if k in kept])
        for path, (body, headers) in served.items()
    }
    (BUILD / "bare.json").write_text(json.dumps(table))
    (BUILD / "bare_wsgi.py").write_text(BARE_APP)
    return "bare_wsgi:app"


# --- the stack's floor for a POST -----------------------------------------------------

FLOOR_APP = """
import os

from flask import Flask, jsonify, request
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import FlaskForm
from sqlalchemy import Integer, String, Text, event
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from werkzeug.datastructures import MultiDict
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Comment(db.Model):
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254))
    body: Mapped[str] = mapped_column(Text)


class CommentForm(FlaskForm):
    class Meta:
        csrf = False

    name = StringField(validators=[DataRequired(), Length(max=100)])
    email = StringField(validators=[DataRequired(), Email(check_deliverability=False)])
    body = TextAreaField(validators=[DataRequired(), Length(max=10000)])


app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["FLOOR_DATABASE_URL"]
db.init_app(app)
with app.app_context():

    @event.listens_for(db.engine, "connect")
    def pragmas(connection, record):
        for pragma in ("journal_mode = WAL", "synchronous = NORMAL", "busy_timeout = 5000"):
            connection.execute("PRAGMA " + pragma)

    db.create_all()


@app.post("/api/articles/<article_id>/comments")
def post(article_id):
    form = CommentForm(formdata=MultiDict(request.get_json()))
    if not form.validate():
        return jsonify(errors=form.errors), 400
    comment = Comment(
        article=article_id, name=form.name.data, email=form.email.data, body=form.body.data
    )
    db.session.add(comment)
    db.session.commit()
    return jsonify(id=comment.id, status="pending"), 202


@app.get("/ready")
def ready():
    return "ready"
"""


def floor_server() -> Server:
    """The cheapest comment POST this service's stack can answer, as a yardstick for
    ours: Flask, a Flask-WTF form with email-validator, one Flask-SQLAlchemy row committed
    to SQLite in WAL mode, and nothing else (no token, no duplicate check, no rules, no
    filter, no outbox, no rendering)."""
    (BUILD / "floor_wsgi.py").write_text(FLOOR_APP)
    db_path = BUILD / "floor.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    return Server(
        "floor",
        gunicorn(sys.executable, "floor_wsgi:app"),
        {"FLOOR_DATABASE_URL": f"sqlite:///{db_path}"},
        "/ready",
    )


# --- nginx in front ------------------------------------------------------------------

NGINX_CONF = """
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {root}/tmp/body;
    proxy_temp_path {root}/tmp/proxy;
    fastcgi_temp_path {root}/tmp/fastcgi;
    uwsgi_temp_path {root}/tmp/uwsgi;
    scgi_temp_path {root}/tmp/scgi;
{cache_block}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
{location_block}
        }}
    }}
}}
"""

# The README's recipe: the same lines, checked here.
CACHE_BLOCK = """\
    proxy_cache_path {root}/cache levels=1:2 keys_zone=comments:10m max_size=256m inactive=10m;
"""
LOCATION_BLOCK = """\
            proxy_set_header Host $host;
            proxy_cache comments;
            proxy_cache_lock on;
            proxy_cache_revalidate on;
            proxy_cache_background_update on;
            proxy_cache_use_stale updating error timeout http_500 http_502 http_503;
            add_header X-Cache-Status $upstream_cache_status always;
"""


def start_nginx(upstream: int) -> tuple[subprocess.Popen[bytes], int]:
    root = BUILD / "nginx"
    shutil.rmtree(root, ignore_errors=True)
    for sub in ("tmp", "cache"):
        (root / sub).mkdir(parents=True)
    # Running as root, nginx's workers run as nobody: they must write the cache.
    for path in (root, root / "tmp", root / "cache"):
        path.chmod(0o777)
    port = free_port()
    conf = NGINX_CONF.format(
        root=root,
        port=port,
        upstream=upstream,
        cache_block=CACHE_BLOCK.format(root=root),
        location_block=LOCATION_BLOCK,
    )
    (root / "nginx.conf").write_text(conf)
    process = subprocess.Popen(
        ["nginx", "-p", str(root), "-c", str(root / "nginx.conf"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    for _ in range(100):
        try:
            fetch(f"http://127.0.0.1:{port}/embed.js")
            return process, port
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nginx did not start; see {root / 'error.log'}")


# --- a large database ----------------------------------------------------------------


@dataclass
class Dataset:
    url: str
    articles: int


def fill_database(url: str, articles: int) -> None:
    """``articles`` articles of 100 approved comments each, by bulk inserts; the first is
    the read article, with comments of ordinary length, the others short ones."""
    from flask_migrate import upgrade
    from sqlalchemy import insert

    from moderation import create_app
    from moderation.comments.models import Article, Comment
    from moderation.comments.rendering import render_comment
    from moderation.extensions import db

    rng = random.Random(7)
    app = create_app(app_config(url))
    quiet()
    start = datetime(2024, 1, 1, tzinfo=UTC)
    people = authors(rng)
    with app.app_context():
        upgrade()
        db.session.execute(
            insert(Article),
            [
                {
                    "id": ARTICLE if a == 0 else f"article-{a}",
                    "title": f"Article {a}",
                    "url": "",
                    "closed": False,
                    "created_at": start,
                    "version": 1,
                    "details_from_reader": False,
                }
                for a in range(articles)
            ],
        )
        db.session.commit()
        short = "A short comment, *rendered*."
        short_html = render_comment(short)
        rows: list[dict[str, Any]] = []
        for a in range(articles):
            for n in range(100):
                name, email, website = people[(a + n) % AUTHORS]
                body = comment_text(rng) if a == 0 else short
                moment = start + timedelta(seconds=a * 100 + n)
                rows.append(
                    {
                        "article_id": ARTICLE if a == 0 else f"article-{a}",
                        "author_name": name,
                        "email": email,
                        "website": website,
                        "body": body,
                        "html": render_comment(body) if a == 0 else short_html,
                        "status": "approved",
                        "held_reason": "",
                        "created_at": moment,
                        "updated_at": moment,
                        "version": 1,
                    }
                )
            if len(rows) >= 50_000 or a == articles - 1:
                db.session.execute(insert(Comment.__table__), rows)  # type: ignore[arg-type]
                db.session.commit()
                rows = []
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.exec_driver_sql("ANALYZE")
        db.session.remove()
        db.engine.dispose()


def comment_count(url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM comment")).scalar_one())
    except Exception:
        return -1
    finally:
        engine.dispose()


def ensure_dataset(url: str, articles: int) -> None:
    if comment_count(url) == articles * 100:
        return
    print(f"  filling {articles * 100:,} comments over {articles:,} articles …", flush=True)
    started = time.perf_counter()
    fill_database(url, articles)
    print(f"  … {time.perf_counter() - started:.0f} s", flush=True)


def recreate_postgres(base_url: str, name: str) -> str:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    url = make_url(base_url)
    target = url.set(database=name)
    if comment_count(target.render_as_string(hide_password=False)) in (1_000, 1_000_000):
        return target.render_as_string(hide_password=False)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return target.render_as_string(hide_password=False)


def read_latency(datasets: dict[str, str], rounds: int, requests: int) -> dict[str, float]:
    """Median latency (ms) of reading the 100-comment article, cache off, per dataset,
    in interleaved rounds; in process, so only the database differs."""
    from moderation import create_app

    clients = {}
    for name, url in datasets.items():
        app = create_app(app_config(url, READ_CACHE=False))
        quiet()
        clients[name] = app.test_client()
    paths = (f"/api/articles/{ARTICLE}/comments", f"/embed/{ARTICLE}/fragment")
    samples: dict[str, list[float]] = {name: [] for name in datasets}
    for client in clients.values():
        for path in paths * 10:
            assert client.get(path).status_code == 200
    for _ in range(rounds):
        for name, client in clients.items():
            for _ in range(requests):
                for path in paths:
                    started = time.perf_counter()
                    response = client.get(path)
                    samples[name].append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200
    return {name: statistics.median(values) for name, values in samples.items()}


# --- the run -------------------------------------------------------------------------


@contextmanager
def servers(*items: Server) -> Iterator[None]:
    try:
        for item in items:
            item.start()
        yield
    finally:
        for item in items:
            item.stop()


def median_load(loads: list[Load]) -> Load:
    return Load(
        statistics.median(x.rps for x in loads),
        statistics.median(x.p99_ms for x in loads),
        sum(x.accepted for x in loads),
        sum(x.errors for x in loads),
        [i for x in loads for i in x.ids],
    )


def machine() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = "?"
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            memory = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    load = os.getloadavg()
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory} memory, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}; load average "
        f"{load[0]:.1f} at the start"
    )


def main() -> int:  # noqa: C901 - one run, step by step
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="length of one wrk round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pg", default=os.environ.get("MODERATION_BENCH_DATABASE_URL"))
    parser.add_argument("--skip-large", action="store_true", help="skip the 1,000,000 rows")
    args = parser.parse_args()
    if not shutil.which("wrk") or not shutil.which("nginx"):
        print("wrk and nginx are missing: `make bench-deps` installs them.")
        return 1
    (BUILD / "logs").mkdir(parents=True, exist_ok=True)
    started_at = datetime.now(UTC)
    about = machine()
    print(f"Side by side on {about}", flush=True)
    rng_seed = 14

    # This service: one database, read by a worker pool with the cache and one without.
    app_db = BUILD / "app.sqlite3"
    app_db.unlink(missing_ok=True)
    for suffix in ("-wal", "-shm"):
        Path(f"{app_db}{suffix}").unlink(missing_ok=True)
    app_url = f"sqlite:///{app_db}"
    load_article(app_url, random.Random(rng_seed))
    # As in production, PUBLIC_URL names the service's address.
    cached = Server("app-cached", [], {}, "/embed.js")
    module = write_wsgi_module("bench_cached", app_url, PUBLIC_URL=cached.url)
    cached.argv = gunicorn(sys.executable, module)
    cold = Server("app-cold", [], {}, "/embed.js")
    module = write_wsgi_module("bench_cold", app_url, PUBLIC_URL=cold.url, READ_CACHE=False)
    cold.argv = gunicorn(sys.executable, module)
    isso_db = BUILD / "isso.sqlite3"
    isso_db.unlink(missing_ok=True)
    isso_settings = {"ISSO_SETTINGS": str(isso_config(isso_db, "http://127.0.0.1:9"))}
    # Isso creates its tables when its app is made: once here, since two workers doing it
    # at once on a new file can collide, and gunicorn stops when a worker fails to boot.
    run([str(isso_python()), "-c", "import isso.run"], env={**os.environ, **isso_settings})
    isso = Server("isso", gunicorn(isso_python(), "isso.run"), isso_settings, "/config")

    api = f"/api/articles/{ARTICLE}/comments"
    fragment = f"/embed/{ARTICLE}/fragment"
    results: dict[str, Load] = {}
    sizes: dict[str, int] = {}
    rss: dict[str, float] = {}
    nginx_status: list[str] = []

    with servers(cached, cold, isso):
        load_isso(isso.url, random.Random(rng_seed))
        served = {}
        for name, path in (("json", api), ("fragment", fragment)):
            status, body, headers = fetch(cached.url + path)
            assert status == 200
            served[f"/{name}"] = (body, headers)
            sizes[name] = len(body)
            sizes[f"{name}.gz"] = len(gzip.compress(body, 6))
        isso_body = fetch(f"{isso.url}/?uri=/{ARTICLE}")[1]
        assert len(json.loads(isso_body)["replies"]) > 0
        sizes["isso"], sizes["isso.gz"] = len(isso_body), len(gzip.compress(isso_body, 6))
        bare = Server("bare", gunicorn(sys.executable, write_bare_app(served)), {}, "/json")
        etag = served["/json"][1]["ETag"]
        with servers(bare):
            scripts = BUILD / "lua"
            scripts.mkdir(exist_ok=True)
            revalidate = lua_headers(scripts / "revalidate.lua", {"If-None-Match": etag})
            reads: list[tuple[str, Callable[[], Load]]] = [
                ("json cached", lambda: wrk(cached.url + api, args.seconds)),
                ("json bare", lambda: wrk(bare.url + "/json", args.seconds)),
                ("fragment cached", lambda: wrk(cached.url + fragment, args.seconds)),
                ("fragment bare", lambda: wrk(bare.url + "/fragment", args.seconds)),
                ("304 cached", lambda: wrk(cached.url + api, args.seconds, revalidate)),
                ("304 bare", lambda: wrk(bare.url + "/json", args.seconds, revalidate)),
                ("json cold", lambda: wrk(cold.url + api, args.seconds)),
                ("fragment cold", lambda: wrk(cold.url + fragment, args.seconds)),
                ("json isso", lambda: wrk(f"{isso.url}/?uri=/{ARTICLE}", args.seconds)),
                (
                    "form token",
                    lambda: wrk(cached.url + f"/api/articles/{ARTICLE}/form-token", args.seconds),
                ),
            ]
            loads: dict[str, list[Load]] = {name: [] for name, _ in reads}
            for number in range(args.rounds):
                print(f"read round {number + 1}/{args.rounds}", flush=True)
                for name, measure in reads:
                    loads[name].append(measure())
            results.update({name: median_load(v) for name, v in loads.items()})
            for server in (cached, cold, isso, bare):
                rss[server.name] = server.peak_rss_mb()

            # nginx in front of the cached pool, configured as the README recommends.
            nginx, nginx_port = start_nginx(cached.port)
            try:
                front = f"http://127.0.0.1:{nginx_port}"
                for _ in range(2):
                    nginx_status.append(fetch(front + api)[2].get("X-Cache-Status", "none"))
                behind: dict[str, list[Load]] = {"json nginx": [], "fragment nginx": []}
                for _ in range(args.rounds):
                    behind["json nginx"].append(wrk(front + api, args.seconds))
                    behind["fragment nginx"].append(wrk(front + fragment, args.seconds))
                results.update({name: median_load(v) for name, v in behind.items()})
                nginx_status.append(fetch(front + fragment)[2].get("X-Cache-Status", "none"))
            finally:
                nginx.send_signal(signal.SIGQUIT)
                nginx.wait(timeout=15)

        # Writes, after every read: ours and Isso's, moderation and rate limits off, and
        # the cheapest POST the same stack can answer, as a yardstick.
        from moderation.comments.tokens import issue_token

        writes: dict[str, list[Load]] = {"post ours": [], "post isso": [], "post floor": []}
        before_ours = sqlite_count(app_db, "SELECT count(*) FROM comment")
        before_isso = sqlite_count(isso_db, "SELECT count(*) FROM comments")
        budget = int(args.seconds * 3000)
        floor = floor_server()
        with servers(floor):
            for number in range(args.rounds):
                print(f"write round {number + 1}/{args.rounds}", flush=True)
                text = comment_text(random.Random(number))
                # Each post its own text: the same one twice is refused as a duplicate.
                fields = [
                    {"name": "Bench Reader", "email": "bench@example.org", "body": f"{text} ({n})"}
                    for n in range(budget)
                ]
                ours = [json.dumps({**f, "token": issue_token(SECRET, POSTS)}) for f in fields]
                script = lua_posts(
                    scripts / "post-ours.lua", f"/api/articles/{POSTS}/comments", ours, 202
                )
                writes["post ours"].append(wrk(cached.url, args.seconds, script))
                theirs = [json.dumps({"text": text, "author": "Bench Reader"})] * 10
                script = lua_posts(scripts / "post-isso.lua", f"/new?uri=%2F{POSTS}", theirs, 201)
                writes["post isso"].append(wrk(isso.url, args.seconds, script))
                # The same fields, without the form token the floor does not check.
                bare = [json.dumps(f) for f in fields]
                script = lua_posts(
                    scripts / "post-floor.lua", f"/api/articles/{POSTS}/comments", bare, 202
                )
                writes["post floor"].append(wrk(floor.url, args.seconds, script))
        results.update({name: median_load(v) for name, v in writes.items()})
        stored_ours = sqlite_count(app_db, "SELECT count(*) FROM comment") - before_ours
        stored_isso = sqlite_count(isso_db, "SELECT count(*) FROM comments") - before_isso
        acknowledged = results["post ours"].ids
        missing = len(set(acknowledged)) - stored_ids(app_db, "comment", acknowledged)

    # Reading one article of 100 comments among 1,000 and among 1,000,000.
    latency: dict[str, dict[str, float]] = {}
    if not args.skip_large:
        backends = {
            "SQLite": {
                "small": f"sqlite:///{BUILD / 'small.sqlite3'}",
                "large": f"sqlite:///{BUILD / 'large.sqlite3'}",
            }
        }
        if args.pg:
            backends["PostgreSQL"] = {
                "small": recreate_postgres(args.pg, "moderation_bench_small"),
                "large": recreate_postgres(args.pg, "moderation_bench_large"),
            }
        for backend, datasets in backends.items():
            print(f"large database, {backend}", flush=True)
            ensure_dataset(datasets["small"], 10)
            ensure_dataset(datasets["large"], 10_000)
            latency[backend] = read_latency(datasets, args.rounds, 100)

    stored = (stored_ours, stored_isso, missing)
    report = render(results, sizes, rss, nginx_status, latency, stored, args)
    print(report)
    (BENCH / "RESULTS.md").write_text(
        "# Side-by-side results\n\n"
        f"One run of `make bench` (`bench/side_by_side.py --seconds {args.seconds:g} "
        f"--rounds {args.rounds}`), {started_at:%Y-%m-%d %H:%M} UTC, on {about}. "
        "The machine is shared: absolute figures move from run to run, the ratios "
        "(measured in the same run, rounds interleaved) are what the targets name.\n\n"
        + report
        + "\n"
    )
    return 0


def render(
    results: dict[str, Load],
    sizes: dict[str, int],
    rss: dict[str, float],
    nginx_status: list[str],
    latency: dict[str, dict[str, float]],
    stored: tuple[int, int, int],
    args: argparse.Namespace,
) -> str:
    r = results
    stored_ours, stored_isso, missing = stored

    def line(name: str, value: str, target: str, met: bool | None) -> str:
        verdict = "" if met is None else ("met" if met else "**missed**")
        return f"| {name} | {value} | {target} | {verdict} |"

    def load(name: str) -> str:
        return f"{r[name].rps:,.0f} req/s, p99 {r[name].p99_ms:.1f} ms"

    rows = [
        f"wrk -t{THREADS} -c{CONNECTIONS}, {args.rounds} interleaved rounds of "
        f"{args.seconds:g} s, medians; gunicorn with {WORKERS} sync workers each; SQLite; "
        f"one article of {COMMENTS} approved comments of about 300 characters by "
        f"{AUTHORS} people.",
        "",
        "| path | this service | Isso 0.14 | bare WSGI, same bytes |",
        "|---|---|---|---|",
        f"| JSON list, cached ({sizes['json']:,} B) | {load('json cached')} | — | "
        f"{load('json bare')} |",
        f"| JSON list, cold (cache off) | {load('json cold')} | {load('json isso')} | — |",
        f"| fragment, cached ({sizes['fragment']:,} B) | {load('fragment cached')} | — | "
        f"{load('fragment bare')} |",
        f"| fragment, cold (cache off) | {load('fragment cold')} | — | — |",
        f"| conditional GET → 304 | {load('304 cached')} | — | {load('304 bare')} |",
        f"| form token | {load('form token')} | — | — |",
        f"| comment POST | {load('post ours')} | {load('post isso')} | — |",
        f"| comment POST, the stack's floor (form, one row) | {load('post floor')} | — | — |",
        f"| behind nginx proxy_cache: JSON | {load('json nginx')} | — | — |",
        f"| behind nginx proxy_cache: fragment | {load('fragment nginx')} | — | — |",
        "",
        "| target | measured | wanted | |",
        "|---|---|---|---|",
    ]
    for kind in ("json", "fragment"):
        share = r[f"{kind} cached"].rps / r[f"{kind} bare"].rps
        tail = r[f"{kind} cached"].p99_ms / r[f"{kind} bare"].p99_ms
        rows.append(
            line(f"cached {kind}: throughput / ceiling", f"{share:.0%}", "≥ 60%", share >= 0.6)
        )
        rows.append(line(f"cached {kind}: p99 / ceiling's p99", f"{tail:.1f}×", "≤ 3×", tail <= 3))
    share = r["304 cached"].rps / r["304 bare"].rps
    rows.append(line("304: throughput / ceiling", f"{share:.0%}", "≥ 60%", share >= 0.6))
    for kind, wanted in (("json", 25), ("fragment", 15)):
        times = r[f"{kind} cold"].rps / r["json isso"].rps
        rows.append(
            line(
                f"cold {kind} / Isso's JSON list", f"{times:.1f}×", f"≥ {wanted}×", times >= wanted
            )
        )
    times = r["post ours"].rps / r["post isso"].rps
    # A refused post is no post: the ratio counts only when every answer was a success.
    refused = r["post ours"].errors + r["post isso"].errors
    shown = f"{times:.1f}×" + (f" ({refused:,} answers not a success)" if refused else "")
    rows.append(line("comment POST / Isso's POST /new", shown, "≥ 3×", times >= 3 and not refused))
    floor = r["post floor"].rps / r["post isso"].rps
    rows.append(
        line(
            "the stack's floor for a POST / Isso's POST /new",
            f"{floor:.1f}× (Flask, a Flask-WTF form, one ORM row committed, nothing else; "
            f"this service at {r['post ours'].rps / r['post floor'].rps:.0%} of it)",
            "yardstick",
            None,
        )
    )
    durable = missing == 0 and len(r["post ours"].ids) == r["post ours"].accepted
    rows.append(
        line(
            "every 202 stored",
            f"{r['post ours'].accepted:,} answered 202, each id found in the database "
            f"({missing} missing; {stored_ours:,} rows added, the rest answered after "
            f"wrk stopped counting; Isso: {r['post isso'].accepted:,} answered 201, "
            f"{stored_isso:,} rows added)",
            "none missing",
            durable,
        )
    )
    for backend, figures in latency.items():
        ratio = figures["large"] / figures["small"]
        rows.append(
            line(
                f"{backend}: latency with 1,000,000 comments / with 1,000",
                f"{ratio:.2f}× ({figures['large']:.2f} ms / {figures['small']:.2f} ms)",
                "≤ 1.2×",
                ratio <= 1.2,
            )
        )
    if not latency:
        rows.append(line("latency with 1,000,000 comments", "not measured", "≤ 1.2×", None))
    elif "PostgreSQL" not in latency:
        rows.append(
            line("PostgreSQL: latency with 1,000,000", "not measured (no --pg)", "≤ 1.2×", None)
        )
    peak = rss["app-cached"]
    rows.append(
        line(
            "peak RSS per worker after the reads",
            f"{peak:.0f} MB (cache off {rss['app-cold']:.0f} MB; Isso {rss['isso']:.0f} MB; "
            f"bare {rss['bare']:.0f} MB)",
            "≤ 80 MB",
            peak <= 80,
        )
    )
    ratio = sizes["fragment"] / sizes["json"]
    rows.append(
        line(
            "fragment bytes / JSON bytes",
            f"{ratio:.2f}× ({sizes['fragment']:,} / {sizes['json']:,} B; gzipped "
            f"{sizes['fragment.gz']:,} / {sizes['json.gz']:,} B; Isso's JSON "
            f"{sizes['isso']:,} B, gzipped {sizes['isso.gz']:,} B)",
            "≤ 1.5×",
            ratio <= 1.5,
        )
    )
    served = nginx_status[-1] == "HIT" and nginx_status[1] == "HIT"
    rows.append(
        line(
            "repeated reads served by nginx",
            "X-Cache-Status: " + ", ".join(nginx_status),
            "HIT after the first",
            served,
        )
    )
    return "\n".join(rows)


if __name__ == "__main__":
    raise SystemExit(main())
