"""Counting upserts on SQLite and PostgreSQL alike: insert a row, or add to the counters of
the row already there (``ON CONFLICT … DO UPDATE``), keeping the earliest and latest times."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def upsert(
    session: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    keys: Sequence[str],
    *,
    add: Sequence[str] = (),
    least: Sequence[str] = (),
    greatest: Sequence[str] = (),
    replace: Sequence[str] = (),
) -> None:
    """Insert ``rows``; where a row with the same ``keys`` exists, add the ``add`` columns to
    it, keep the smaller of the ``least`` and the larger of the ``greatest`` columns, and
    take the new value of the ``replace`` columns. Nothing else of the old row changes."""
    if not rows:
        return
    postgres = session.get_bind().dialect.name == "postgresql"
    statement = (postgresql.insert if postgres else sqlite.insert)(table)
    excluded = statement.excluded
    smaller, larger = (func.least, func.greatest) if postgres else (func.min, func.max)
    changes: dict[str, Any] = {}
    for name in add:
        changes[name] = table.c[name] + excluded[name]
    for name in least:
        changes[name] = smaller(table.c[name], excluded[name])
    for name in greatest:
        changes[name] = larger(table.c[name], excluded[name])
    for name in replace:
        changes[name] = excluded[name]
    if changes:
        statement = statement.on_conflict_do_update(index_elements=list(keys), set_=changes)
    else:
        statement = statement.on_conflict_do_nothing(index_elements=list(keys))
    session.execute(statement, list(rows))
