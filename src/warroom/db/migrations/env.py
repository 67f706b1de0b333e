"""Alembic environment: runs on the connection handed over by warroom.db.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from warroom.db.engine import make_engine
from warroom.tables import Base

target_metadata = Base.metadata

NOT_MODELLED = ("postmortem_search",)
"""Tables a migration makes by hand (SQLite FTS5 and its shadow tables): autogenerate
leaves them alone."""


def include_object(obj: object, name: str | None, type_: str, *_: object) -> bool:
    return not (type_ == "table" and name is not None and name.startswith(NOT_MODELLED))


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    engine = make_engine(context.config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as conn:
        run(conn)
    engine.dispose()
