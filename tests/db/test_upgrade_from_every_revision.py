"""Migrations from every earlier schema revision, with data in it, to head: on SQLite and
PostgreSQL, each revision's rows are read back one by one after the upgrade."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.db.revision_rows import build, differences
from tests.support.postgres import PostgresServer, fresh_database
from warroom.db.engine import make_engine
from warroom.db.migrate import current, head, revisions, upgrade

EARLIER = revisions()[:-1]


@contextmanager
def empty_database(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'warroom.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    with fresh_database(server, "upgrade") as url:
        yield url


def test_the_revisions_run_from_0001_to_head() -> None:
    assert revisions()[0] == "0001"
    assert revisions()[-1] == head()
    assert {f"{n:04d}" for n in range(1, 16)} <= set(revisions())


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
@pytest.mark.parametrize("revision", EARLIER)
def test_data_written_at_a_revision_survives_the_upgrade_to_head(
    request: pytest.FixtureRequest, backend: str, revision: str, tmp_path: Path
) -> None:
    with empty_database(request, backend, tmp_path) as url:
        engine = make_engine(url)
        try:
            upgrade(engine, revision)
            with engine.begin() as connection:
                snapshot = build(connection)
            assert sum(len(rows) for rows in snapshot.rows.values()) > 0
            upgrade(engine)
            assert current(engine) == head()
            with engine.connect() as connection:
                assert differences(connection, snapshot) == []
        finally:
            engine.dispose()
