"""Real servers for the production tests: gunicorn with the shipped ``gunicorn.conf.py``,
and a throwaway PostgreSQL cluster (never the shared server)."""

from __future__ import annotations

import glob
import http.cookiejar
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .conftest import free_port

PROJECT = Path(__file__).resolve().parent.parent


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: str
    seconds: float

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


class Browserless:
    """An HTTP client with cookies and no redirects followed, over urllib."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirects()
        )

    def request(
        self,
        path: str,
        *,
        data: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 20,
    ) -> Answer:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, headers=headers or {})
        started = time.monotonic()
        try:
            with self.opener.open(request, timeout=timeout) as response:
                status, raw, text = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            with error:
                status, raw, text = error.code, error.headers, error.read()
        return Answer(
            status,
            {key.lower(): value for key, value in raw.items()},
            text.decode(errors="replace"),
            time.monotonic() - started,
        )


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Gunicorn:
    """``gunicorn -c gunicorn.conf.py wsgi:app`` on a free loopback port."""

    def __init__(self, workdir: Path, environment: dict[str, str], workers: int = 2) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.access_log = workdir / "access.log"
        self.error_log = workdir / "error.log"
        self.output = workdir / "gunicorn-output.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("MODERATION_")}
        env.update(PYTHONPATH=str(PROJECT), MODERATION_SECRET_KEY="gunicorn-test-key")
        env.update(environment)
        command = [
            *(sys.executable, "-m", "gunicorn", "-c", str(PROJECT / "gunicorn.conf.py")),
            *("--workers", str(workers), "--bind", f"127.0.0.1:{self.port}"),
            *("--access-logfile", str(self.access_log), "--error-logfile", str(self.error_log)),
            "wsgi:app",
        ]
        with open(self.output, "wb") as output:
            self.process = subprocess.Popen(
                command, cwd=PROJECT, env=env, stdout=output, stderr=subprocess.STDOUT
            )
        self._wait_until_up()

    def _wait_until_up(self, seconds: float = 20) -> None:
        deadline = time.monotonic() + seconds
        client = Browserless(self.url)
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if client.request("/embed.js", timeout=2).status == 200:
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn did not start:\n{self.logs()}")

    def logs(self) -> str:
        return "\n".join(
            path.read_text(errors="replace")
            for path in (self.error_log, self.output)
            if path.exists()
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


# --- a throwaway PostgreSQL cluster ------------------------------------------------------


def postgres_bindir() -> Path | None:
    """The newest installed PostgreSQL's binaries, if any."""
    found = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    if not found:
        return None
    newest = max(found, key=lambda p: int(re.sub(r"\D", "", p.split("/")[4]) or 0))
    return Path(newest).parent


class Cluster:
    """initdb, pg_ctl start/stop, SIGSTOP/SIGCONT, as the ``postgres`` OS user."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.port = free_port()
        self.base = Path(tempfile.mkdtemp(prefix="moderation-pg-"))
        shutil.chown(self.base, "postgres")
        self.data = self.base / "data"
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/moderation"
        self._as_postgres(
            "initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync",
            "-E", "UTF8", "--locale=C",
        )  # fmt: skip
        self.start()
        self._as_postgres("createdb", "-h", "127.0.0.1", "-p", str(self.port), "moderation")

    def _as_postgres(self, program: str, *args: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", str(self.bindir / program), *args],
            check=True,
            capture_output=True,
            timeout=60,
            cwd=self.base,
        )

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.base} -c fsync=off"
        self._as_postgres(
            "pg_ctl", "-D", str(self.data), "-l", str(self.base / "server.log"), "-w", "-t", "30",
            "-o", options, "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._as_postgres("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def processes(self) -> list[int]:
        """The postmaster and every process it started."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        children = []
        for stat in glob.glob("/proc/[0-9]*/stat"):
            try:
                fields = Path(stat).read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == postmaster:
                children.append(int(stat.split("/")[2]))
        return [postmaster, *children]

    def send(self, number: int) -> None:
        for pid in self.processes():
            try:
                os.kill(pid, number)
            except ProcessLookupError:
                pass

    def remove(self) -> None:
        try:
            self.send(signal.SIGCONT)
            self.stop("immediate")
        except (OSError, subprocess.SubprocessError):
            pass
        shutil.rmtree(self.base, ignore_errors=True)
