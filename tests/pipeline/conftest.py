"""A second fresh database on the same backend, for tests that compare two runs."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.support.postgres import PostgresServer, fresh_database
from warroom.db.engine import make_engine


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
    with fresh_database(server, "other", template_name) as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()
