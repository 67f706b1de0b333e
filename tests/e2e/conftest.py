"""Fixtures of the end-to-end tests: one stack of real processes per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.processes import require_binary
from tests.e2e.stack import ALERTMANAGER, PROMETHEUS, Stack
from tests.support.postgres import PostgresServer, fresh_database


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    running = Stack(tmp_path)
    try:
        yield running
    finally:
        running.close()


@pytest.fixture
def needs_prometheus() -> None:
    """Checked before anything starts: skip (fail under CI=true) without the binary."""
    require_binary(PROMETHEUS, "prometheus")


@pytest.fixture
def needs_alertmanager() -> None:
    require_binary(ALERTMANAGER, "prometheus-alertmanager")


@pytest.fixture
def empty_postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """An empty PostgreSQL database; ``warroom serve`` migrates it."""
    with fresh_database(postgres_server, "e2e") as url:
        yield url
