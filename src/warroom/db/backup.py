"""Consistent copies of the database while warroom runs, and their restore.

SQLite: the online backup API copies the database page by page inside one read transaction;
in WAL mode writers go on meanwhile and the copy is the database as of the moment it began.
PostgreSQL: ``pg_dump -Fc`` (one repeatable-read snapshot) and ``pg_restore``.
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import Engine, MetaData, func, select
from sqlalchemy.engine import URL, make_url

from warroom.db.engine import sqlite_file

NOT_DATA = ("alembic_version", "counters")
"""Tables every migrated database has rows in: they do not make a database "in use"."""


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why."""


def find_pg_tool(name: str) -> Path:
    """``pg_dump``/``pg_restore``: ``$WARROOM_PG_BINDIR``, then the newest Debian server
    binaries (a dump needs a client at least as new as the server), then ``$PATH``."""
    candidates = [os.environ.get("WARROOM_PG_BINDIR", "")]
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version, reverse=True)
    for directory in candidates:
        if directory and Path(directory, name).exists():
            return Path(directory, name)
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} was not found (install the PostgreSQL client programs)")
    return Path(found)


def _version(directory: str) -> int:
    number = Path(directory).parent.name
    return int(number) if number.isdigit() else 0


def backup(engine: Engine, target: Path) -> None:
    """Writes a consistent copy of the database to ``target`` (which must not exist)."""
    if target.exists():
        raise BackupError(f"{target} exists: choose a new file")
    database = sqlite_file(engine.url)
    if engine.dialect.name == "sqlite":
        if database is None:
            raise BackupError("an in-memory SQLite database cannot be backed up")
        _sqlite_copy(Path(database), target)
    else:
        _run(find_pg_tool("pg_dump"), engine.url, ["-Fc", "--no-owner", "-f", str(target)])


def _sqlite_copy(source: Path, target: Path) -> None:
    partial = target.with_name(f".{target.name}.partial")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(partial)
    try:
        src.backup(dst)  # all pages in one step: one snapshot, writers never wait for it
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        dst.close()
        src.close()
    partial.rename(target)


def in_use(engine: Engine) -> list[str]:
    """Tables of the database that hold rows (besides the migrations' own)."""
    metadata = MetaData()
    metadata.reflect(engine)
    used = []
    with engine.connect() as connection:
        for name, table in sorted(metadata.tables.items()):
            if name in NOT_DATA or name.startswith("postmortem_search"):
                continue
            if connection.execute(select(func.count()).select_from(table)).scalar_one():
                used.append(name)
    return used


def restore(engine: Engine, source: Path, force: bool = False) -> None:
    """Replaces the database with the backup ``source``; refuses a database with data in it
    unless ``force``. Stop warroom (serve and workers) first."""
    if not source.is_file():
        raise BackupError(f"{source} is not a file")
    used = in_use(engine)
    if used and not force:
        raise BackupError(
            f"the database holds data ({', '.join(used[:5])}{'…' if len(used) > 5 else ''}): "
            "restoring would replace it; add --force to do so"
        )
    url = engine.url
    engine.dispose()
    if url.get_backend_name() == "sqlite":
        database = sqlite_file(url)
        if database is None:
            raise BackupError("cannot restore into an in-memory SQLite database")
        _sqlite_restore(source, Path(database))
    else:
        _run(
            find_pg_tool("pg_restore"),
            url,
            ["--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error"],
            str(source),
        )


def _sqlite_restore(source: Path, database: Path) -> None:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        try:
            src.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{source} is not a SQLite backup: {exc}") from exc
        dst = sqlite3.connect(database)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def _run(tool: Path, url: URL, args: list[str], *tail: str) -> None:
    parsed = make_url(url)
    env = {**os.environ}
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    connection = ["-h", parsed.host or "localhost", "-p", str(parsed.port or 5432)]
    if parsed.username:
        connection += ["-U", parsed.username]
    command = [str(tool), *connection, *args, "-d", parsed.database or "postgres", *tail]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{tool.name} failed: {result.stderr.strip()}")
