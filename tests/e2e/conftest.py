"""Fixtures of the end-to-end tests: one stack of real processes per test."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.e2e.processes import require_binary
from tests.e2e.stack import ALERTMANAGER, PROMETHEUS, Stack
from tests.support.postgres import PostgresServer


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
    name = f"e2e_{secrets.token_hex(4)}"
    admin = create_engine(postgres_server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield postgres_server.url(name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
