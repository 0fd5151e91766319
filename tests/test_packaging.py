"""The project as a site owner installs it: built into a wheel, installed, migrated, served."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import sysconfig
import tarfile
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from moderation.core.i18n import LOCALES

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [
    "pyproject.toml",
    "README.md",
    "hatch_build.py",
    "babel.cfg",
    "moderation",
    "templates",
    "migrations",
]


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the sdist, then the wheel from that sdist, as ``python -m build`` does."""
    src = tmp_path_factory.mktemp("src")
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            # As a fresh clone has it: no compiled catalogs, the build makes them.
            ignore = shutil.ignore_patterns("__pycache__", "*.mo")
            shutil.copytree(path, src / name, ignore=ignore)
        else:
            shutil.copy2(path, src / name)
    out = tmp_path_factory.mktemp("dist")
    # No isolation: the build backend comes from the dev dependencies, so this works offline.
    built = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--skip-dependency-check"]
        + ["--outdir", str(out), str(src)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    return out


@pytest.fixture(scope="module")
def venv(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with the wheel installed; its dependencies come from ours."""
    root = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    python = root / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(purelib) / "_deps_from_test_env.pth").write_text("\n".join(sorted(ours)) + "\n")
    (wheel,) = dist.glob("moderation-*.whl")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps"]
        + ["--no-index", "--quiet", str(wheel)],
        check=True,
        timeout=120,
    )
    return root


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read().decode()


@pytest.fixture
def installed_env(venv: Path, tmp_path: Path) -> Iterator[dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MODERATION_", "FLASK_"))}
    env.pop("PYTHONPATH", None)
    env["MODERATION_DATABASE_URL"] = "sqlite:///" + str(tmp_path / "comments.sqlite3")
    env["MODERATION_SECRET_KEY"] = "a-secret-key-for-the-packaging-test"
    yield env


def test_the_sdist_carries_templates_and_migrations(dist: Path) -> None:
    (sdist,) = dist.glob("moderation-*.tar.gz")
    with tarfile.open(sdist) as tar:
        names = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    assert "templates/demo.html" in names
    assert "migrations/env.py" in names and "migrations/alembic.ini" in names
    assert "moderation/static/embed.js" in names
    assert not any("node_modules" in name for name in names)


def test_the_wheel_carries_templates_migrations_and_static_files(dist: Path) -> None:
    (wheel,) = dist.glob("moderation-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "moderation/templates/demo.html" in names
    assert "moderation/migrations/env.py" in names
    assert "moderation/migrations/alembic.ini" in names
    assert any(n.startswith("moderation/migrations/versions/") for n in names)
    assert "moderation/static/embed.js" in names
    assert not any("__pycache__" in n for n in names)
    for locale in LOCALES:
        assert f"moderation/translations/{locale}/LC_MESSAGES/messages.mo" in names, locale


def test_an_installed_wheel_migrates_and_serves_the_demo(
    venv: Path, installed_env: dict[str, str], tmp_path: Path
) -> None:
    python = str(venv / "bin" / "python")
    where = subprocess.run(
        [python, "-c", "import moderation; print(moderation.__file__)"],
        cwd=tmp_path,
        env=installed_env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert Path(where).resolve().is_relative_to(venv.resolve()), where

    flask = [python, "-m", "flask", "--app", "moderation:create_app"]
    upgraded = subprocess.run(
        flask + ["db", "upgrade"],
        cwd=tmp_path,
        env=installed_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert upgraded.returncode == 0, upgraded.stderr
    assert "Running upgrade" in upgraded.stderr

    port = _free_port()
    server = subprocess.Popen(
        flask + ["run", "--host", "127.0.0.1", "--port", str(port)],
        cwd=tmp_path,
        env=installed_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                status, demo = _get(f"{base}/demo")
                break
            except (urllib.error.URLError, ConnectionError):
                if server.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        assert status == 200
        assert "Miracle in Cell No. 7" in demo
        assert f"{base}/embed.js" in demo

        status, script = _get(f"{base}/embed.js")
        assert status == 200 and "/fragment?" in script
        status, fragment = _get(f"{base}/embed/some-article/fragment")
        second = re.search(r'data-more="http://[^/"]+(/v/\w+/widget\.js)"', fragment)
        assert status == 200 and second, fragment[:300]
        status, more = _get(base + second.group(1))
        assert status == 200 and "/api/articles/" in more

        status, embed = _get(f"{base}/embed/some-article")
        assert status == 200
        assert "<form" in embed and "Leave a reply" in embed
        status, korean = _get(f"{base}/embed/some-article?lang=ko")
        assert status == 200 and '<html lang="ko"' in korean and "댓글" in korean
        stylesheet = re.search(r'href="(/v/[^"]+/widget\.css)"', embed)
        assert stylesheet is not None, embed
        status, css = _get(base + stylesheet.group(1))
        assert status == 200 and "{" in css
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if server.stderr is not None:
            server.stderr.close()
