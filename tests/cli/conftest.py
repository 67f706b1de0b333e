"""Fixtures: a live warroom server per test (both backends) or per module (SQLite)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.cli.harness import LiveServer, live_server
from warroom.db.engine import make_engine


@pytest.fixture
def server(engine: Engine) -> Iterator[LiveServer]:
    """A fresh server per test, on each storage backend (SQLite and PostgreSQL)."""
    with live_server(engine) as running:
        yield running


@pytest.fixture(scope="module")
def shared_server(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """One SQLite-backed server for a whole module: for tests that only need *a* server."""
    path = tmp_path_factory.mktemp("cli-server") / "warroom.db"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    try:
        with live_server(engine) as running:
            yield running
    finally:
        engine.dispose()
