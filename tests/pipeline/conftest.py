"""A second fresh database on the same backend, for tests that compare two runs."""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from tests.support.postgres import PostgresServer
from warroom.db.engine import make_engine

_numbers = itertools.count(1)


@pytest.fixture
def other_engine(
    database_url: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Engine]:
    if database_url.startswith("sqlite"):
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "other.db"
        shutil.copyfile(template, path)
        engine = make_engine(f"sqlite:///{path}")
        yield engine
        engine.dispose()
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    template_name: str = request.getfixturevalue("postgres_template")
    name = f"other_{os.getpid()}_{next(_numbers)}"
    admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"'))
    engine = make_engine(server.url(name))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
