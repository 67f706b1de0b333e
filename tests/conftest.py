"""Shared fixtures: every storage test runs on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from tests.support.api import Harness, running_app
from tests.support.postgres import (
    PostgresServer,
    PostgresUnavailable,
    fresh_database,
    start_server,
)
from warroom.db.engine import make_engine
from warroom.db.migrate import upgrade
from warroom.observability.logging import configure

# JSON logs in tests too: the console renderer's rich tracebacks take seconds each.
configure("warning", json=True)

BACKENDS = ("sqlite", "postgresql")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
TEST_CONFIG = Path(__file__).parent / "fixtures" / "warroom.yaml"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    try:
        server = start_server()
    except PostgresUnavailable as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required under CI=true and could not start: {exc}")
        pytest.skip(f"PostgreSQL not available: {exc}")
    yield server
    server.stop()


def _admin_engine(server: PostgresServer) -> Engine:
    return create_engine(server.url(), isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def postgres_template(postgres_server: PostgresServer) -> str:
    """A migrated database that each test copies (CREATE DATABASE … TEMPLATE is fast)."""
    admin = _admin_engine(postgres_server)
    with admin.connect() as conn:
        conn.execute(text("CREATE DATABASE warroom_template"))
    admin.dispose()
    engine = make_engine(postgres_server.url("warroom_template"))
    upgrade(engine)
    engine.dispose()
    return "warroom_template"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "warroom.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated, empty database on each backend."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "warroom.db"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    template_name: str = request.getfixturevalue("postgres_template")
    with fresh_database(server, "test", template_name) as url:
        yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def api(engine: Engine) -> Iterator[Harness]:
    with running_app(engine, TEST_CONFIG) as harness:
        yield harness
