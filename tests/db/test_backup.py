"""`warroom backup` and `warroom restore` on SQLite and PostgreSQL: every table comes back
row by row, a backup taken during writes is one consistent snapshot, and a database with data
is only replaced with --force."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, text

from tests.db.revision_rows import build, reflect
from tests.support.postgres import PostgresServer, fresh_database
from warroom.db.backup import BackupError, backup, in_use, restore
from warroom.db.engine import make_engine
from warroom.db.migrate import head, upgrade

WARROOM = str(Path(sys.executable).with_name("warroom"))


def every_row(connection: Connection) -> dict[str, list[tuple[Any, ...]]]:
    metadata = reflect(connection)
    out = {}
    for name, table in sorted(metadata.tables.items()):
        order = list(table.primary_key.columns) or list(table.columns)
        out[name] = [tuple(r) for r in connection.execute(table.select().order_by(*order))]
    out["alembic_version"] = [
        tuple(r) for r in connection.execute(text("SELECT version_num FROM alembic_version"))
    ]
    return out


@contextmanager
def empty_target(
    request: pytest.FixtureRequest, database_url: str, tmp_path: Path
) -> Iterator[str]:
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    with fresh_database(server, "restored") as url:
        yield url


def test_a_restored_backup_has_every_row_of_every_table(
    request: pytest.FixtureRequest, engine: Engine, database_url: str, tmp_path: Path
) -> None:
    with engine.begin() as connection:
        build(connection)
    with engine.connect() as connection:
        before = every_row(connection)
    assert sum(len(rows) for rows in before.values()) > 100
    file = tmp_path / "warroom.backup"
    backup(engine, file)
    with empty_target(request, database_url, tmp_path) as url:
        target = make_engine(url)
        try:
            restore(target, file)
            with target.connect() as connection:
                assert every_row(connection) == before
            assert before["alembic_version"] == [(head(),)]
        finally:
            target.dispose()


def test_restore_refuses_a_database_with_data_without_force(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    file = tmp_path / "empty.backup"
    backup(engine, file)  # the migrated, empty database
    with engine.begin() as connection:
        build(connection)
    assert "incidents" in in_use(engine)
    with pytest.raises(BackupError, match=r"the database holds data \(.*\): .* add --force"):
        restore(engine, file)
    restore(engine, file, force=True)
    assert in_use(engine) == []


def test_backup_refuses_to_overwrite_a_file(engine: Engine, tmp_path: Path) -> None:
    file = tmp_path / "taken"
    file.write_text("something else")
    with pytest.raises(BackupError, match="exists: choose a new file"):
        backup(engine, file)
    assert file.read_text() == "something else"


def test_the_cli_restore_says_why_it_refuses(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    env = {**os.environ, "WARROOM_DATABASE_URL": database_url, "COLUMNS": "200"}
    file = tmp_path / "cli.backup"
    made = subprocess.run(
        [WARROOM, "backup", str(file)], env=env, capture_output=True, text=True, check=False
    )
    assert made.returncode == 0, made.stderr
    assert f"backup written to {file}" in made.stdout
    with engine.begin() as connection:
        build(connection)
    refused = subprocess.run(
        [WARROOM, "restore", str(file)], env=env, capture_output=True, text=True, check=False
    )
    assert refused.returncode == 1
    assert "restoring would replace it; add --force to do so" in refused.stderr
    forced = subprocess.run(
        [WARROOM, "restore", "--force", str(file)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert forced.returncode == 0, forced.stderr
    assert f"database at revision {head()}" in forced.stdout
    assert in_use(engine) == []


def test_a_sqlite_backup_during_writes_is_one_consistent_snapshot(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'live.db'}"
    engine = make_engine(url)
    upgrade(engine)
    stop = threading.Event()
    written: list[int] = []

    def write() -> None:
        writer = make_engine(url)  # as serve would: another connection pool, same file
        n = 0
        while not stop.is_set():
            n += 1
            with writer.begin() as connection:  # two rows per transaction
                for name in (f"a{n}", f"b{n}"):
                    connection.execute(
                        text("INSERT INTO counters (name, value) VALUES (:n, :v)"),
                        {"n": name, "v": n},
                    )
            written.append(n)
        writer.dispose()

    thread = threading.Thread(target=write)
    thread.start()
    try:
        while len(written) < 200:
            stop.wait(0.01)
        file = tmp_path / "during.backup"
        backup(engine, file)
        at_backup = len(written)
        while len(written) < at_backup + 200:
            stop.wait(0.01)
    finally:
        stop.set()
        thread.join()
    copy = sqlite3.connect(file)
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    names = {name for (name,) in copy.execute("SELECT name FROM counters")}
    copy.close()
    last = max(int(name[1:]) for name in names if name != "incident")
    assert 200 <= last < len(written)
    # every transaction up to the snapshot, both rows of each, and nothing after it
    assert names == {"incident"} | {f"{p}{n}" for n in range(1, last + 1) for p in "ab"}
    engine.dispose()
