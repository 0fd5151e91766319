"""Several gunicorn workers on a free loopback port, with the app configured by its
environment: for the tests of what must hold across processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .helpers import free_port

PROJECT = Path(__file__).resolve().parent.parent
SECRET = "gunicorn-test-secret"


class Gunicorn:
    """A real gunicorn on a free loopback port, with the app configured by environment."""

    def __init__(self, environ: dict[str, str], log: Path, workers: int = 4) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        env = {**os.environ, "PYTHONPATH": str(PROJECT), **environ}
        env = {k: v for k, v in env.items() if not k.startswith("MODERATION_TEST_")}
        self._log_file = log.open("w")
        self.process = subprocess.Popen(
            [
                *(sys.executable, "-m", "gunicorn"),
                *("--workers", str(workers), "--bind", f"127.0.0.1:{self.port}"),
                *("--graceful-timeout", "2", "wsgi:app"),
            ],
            cwd=PROJECT,
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError("gunicorn exited:\n" + self.log.read_text())
            try:
                with urllib.request.urlopen(self.url + "/embed.js", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("gunicorn did not answer in time:\n" + self.log.read_text())

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self._log_file.close()


@pytest.fixture
def gunicorn(tmp_path: Path) -> Iterator[Callable[[dict[str, str]], Gunicorn]]:
    servers: list[Gunicorn] = []

    def start(environ: dict[str, str]) -> Gunicorn:
        server = Gunicorn(environ, tmp_path / f"gunicorn-{len(servers)}.log")
        servers.append(server)
        server.wait_ready()
        return server

    yield start
    for server in servers:
        server.stop()
