"""The wheel and the sdist carry templates, static assets and migrations; the wheel, installed
into a fresh virtualenv, migrates a SQLite database and serves the API, the web app and its
assets, and takes an alert."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.conftest import TEST_CONFIG
from tests.support.postgres import free_port

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
PACKAGED = (
    "warroom/db/migrations/env.py",
    "warroom/db/migrations/script.py.mako",
    "warroom/db/migrations/versions/0001_initial.py",
    "warroom/web/templates/base.html",
    "warroom/web/static/app.css",
    "warroom/web/static/vendor/htmx-2.0.11/htmx.min.js",
    "warroom/notify/templates/message.txt.j2",
    "warroom/py.typed",
)
ALERT = (
    '[{"labels":{"alertname":"WheelCheck","service":"checkout-api","severity":"warning"},'
    '"annotations":{"summary":"installed from the wheel"}}]'
)


def _clean_env(**extra: str) -> dict[str, str]:
    """No PYTHONPATH: the installed wheel, not this source tree, must answer."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return {**env, **extra}


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``python -m build`` on a copy of the project (the tree stays clean)."""
    work = tmp_path_factory.mktemp("build")
    source = work / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
    )
    out = work / "dist"
    built = subprocess.run(
        [sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir", str(out), str(source)],
        capture_output=True,
        text=True,
        check=False,
        env=_clean_env(),
    )
    assert built.returncode == 0, built.stderr[-3000:]
    return out


def test_the_wheel_carries_templates_static_assets_and_migrations(dist: Path) -> None:
    (wheel,) = dist.glob("warroom-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert [p for p in PACKAGED if p not in names] == []


def test_the_sdist_carries_templates_static_assets_and_migrations(dist: Path) -> None:
    (sdist,) = dist.glob("warroom-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert [p for p in PACKAGED if f"src/{p}" not in names] == []


def test_the_installed_wheel_migrates_and_serves(dist: Path, tmp_path: Path) -> None:
    (wheel,) = dist.glob("warroom-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    installed = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "--quiet", str(wheel)],
        capture_output=True,
        text=True,
        check=False,
        env=_clean_env(),
    )
    assert installed.returncode == 0, installed.stderr[-3000:]
    warroom = str(venv / "bin" / "warroom")
    port = free_port()
    env = _clean_env(
        WARROOM_DATABASE_URL=f"sqlite:///{tmp_path / 'warroom.db'}",
        WARROOM_PORT=str(port),
        WARROOM_HOST="127.0.0.1",
    )
    migrated = subprocess.run(
        [warroom, "db", "upgrade"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert migrated.returncode == 0, migrated.stderr
    assert "database at revision" in migrated.stdout
    serve = subprocess.Popen(
        [warroom, "serve", "--config", str(TEST_CONFIG)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        health = None
        while health is None and time.monotonic() < deadline and serve.poll() is None:
            try:
                health = httpx.get(f"{base}/healthz", timeout=2)
            except httpx.TransportError:
                time.sleep(0.2)
        assert health is not None and health.status_code == 200
        page = httpx.get(f"{base}/login", timeout=10)
        assert page.status_code == 200
        assert "<form" in page.text
        asset = httpx.get(f"{base}/static/app.css", timeout=10)
        assert asset.status_code == 200
        assert asset.headers["content-type"].startswith("text/css")
        alert = httpx.post(
            f"{base}/ingest/alertmanager/am-test-key-0123456789/api/v2/alerts",
            content=ALERT,
            headers={"content-type": "application/json"},
            timeout=10,
        )
        assert alert.status_code == 200
    finally:
        serve.terminate()
        serve.wait(30)
