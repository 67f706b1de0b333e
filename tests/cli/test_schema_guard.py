"""`warroom db upgrade`, `serve` and `worker` against a database at the wrong schema revision."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from tests.conftest import TEST_CONFIG
from tests.support.postgres import free_port
from warroom.db.engine import make_engine
from warroom.db.migrate import head, revisions, upgrade

WARROOM = str(Path(sys.executable).with_name("warroom"))
UNKNOWN = "9999_from_the_future"


def _run(*args: str, database_url: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "WARROOM_DATABASE_URL": database_url, "COLUMNS": "200"}
    return subprocess.run(
        [WARROOM, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def _stamp(database_url: str, revision: str) -> None:
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    engine.dispose()


def test_db_upgrade_refuses_a_database_newer_than_the_code(database_url: str) -> None:
    _stamp(database_url, UNKNOWN)
    result = _run("db", "upgrade", database_url=database_url)
    assert result.returncode == 1
    assert f"schema revision {UNKNOWN}" in result.stderr
    assert "migrated by a newer warroom" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_refuses_a_database_newer_than_the_code(database_url: str) -> None:
    _stamp(database_url, UNKNOWN)
    result = _run("serve", "--config", str(TEST_CONFIG), "--migrate", database_url=database_url)
    assert result.returncode == 1
    assert f"schema revision {UNKNOWN}" in result.stderr


def test_serve_refuses_a_pending_migration_without_migrate(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'warroom.db'}"
    engine = make_engine(url)
    upgrade(engine, revisions()[-2])
    engine.dispose()
    result = _run("serve", "--config", str(TEST_CONFIG), database_url=url)
    assert result.returncode == 1
    assert f"at revision {revisions()[-2]}, this version of warroom needs revision {head()}" in (
        result.stderr
    )
    assert "run 'warroom db upgrade' first, or start with --migrate" in result.stderr


def test_worker_refuses_an_empty_database_without_migrate(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'warroom.db'}"
    result = _run("worker", "--config", str(TEST_CONFIG), database_url=url)
    assert result.returncode == 1
    assert "at no schema yet" in result.stderr


@pytest.mark.slow
def test_serve_with_migrate_upgrades_and_serves(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'warroom.db'}"
    port = free_port()
    env = {**os.environ, "WARROOM_DATABASE_URL": url, "WARROOM_PORT": str(port)}
    argv = [WARROOM, "serve", "--config", str(TEST_CONFIG), "--migrate", "--no-worker"]
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        status = None
        deadline = time.monotonic() + 30
        while status is None and time.monotonic() < deadline and process.poll() is None:
            try:
                status = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code
            except httpx.TransportError:
                time.sleep(0.1)
        assert status == 200
    finally:
        process.terminate()
        process.wait(20)
    engine = make_engine(url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == (
            head()
        )
    engine.dispose()
