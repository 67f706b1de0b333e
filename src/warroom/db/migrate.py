"""Run Alembic migrations programmatically (``warroom db upgrade``) and compare the
database's schema revision with the code's."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

MIGRATIONS = Path(__file__).parent / "migrations"


class SchemaNewerThanCode(Exception):
    """The database carries a revision this code does not know: a newer warroom migrated it."""

    def __init__(self, revision: str, head: str) -> None:
        super().__init__(
            f"the database is at schema revision {revision}, which this version of warroom "
            f"does not know (its newest is {head}): it was migrated by a newer warroom. "
            "Run that version, or restore a backup taken before the upgrade."
        )
        self.revision = revision
        self.head = head


class SchemaBehind(Exception):
    """The database misses migrations the code needs."""

    def __init__(self, revision: str | None, head: str) -> None:
        at = f"revision {revision}" if revision else "no schema yet"
        super().__init__(
            f"the database is at {at}, this version of warroom needs revision {head}: "
            "run 'warroom db upgrade' first, or start with --migrate"
        )
        self.revision = revision
        self.head = head


@dataclass(frozen=True)
class SchemaState:
    current: str | None
    head: str

    @property
    def pending(self) -> bool:
        return self.current != self.head


def alembic_config(url: str) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config("sqlite://"))


def revisions() -> list[str]:
    """Every revision of the code, oldest first."""
    return [script.revision for script in reversed(list(script_directory().walk_revisions()))]


def head() -> str:
    found = script_directory().get_current_head()
    assert found is not None, "the migrations have no head"
    return found


def current(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def schema_state(engine: Engine) -> SchemaState:
    """Where the database stands against the code; raises ``SchemaNewerThanCode`` for a
    revision the code does not know."""
    known = set(revisions())
    state = SchemaState(current(engine), head())
    if state.current is not None and state.current not in known:
        raise SchemaNewerThanCode(state.current, state.head)
    return state


def require_current(engine: Engine) -> None:
    """Raises ``SchemaBehind`` or ``SchemaNewerThanCode`` unless the database is at head."""
    state = schema_state(engine)
    if state.pending:
        raise SchemaBehind(state.current, state.head)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrates to ``revision``; refuses (``SchemaNewerThanCode``) a newer database."""
    schema_state(engine)
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite alters a table by copying it and dropping the old one: with foreign keys
            # enforced, dropping a table other rows refer to fails. The pragma is ignored
            # inside a transaction, so it is set before the migration's transaction begins,
            # and the references are checked before it commits.
            connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            with connection.begin():
                cfg.attributes["connection"] = connection
                command.upgrade(cfg, revision)
                if sqlite:
                    _check_references(connection)
        finally:
            if sqlite:
                connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]


def _check_references(connection: Connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"the migration left rows referring to nothing: {broken[:5]}")
