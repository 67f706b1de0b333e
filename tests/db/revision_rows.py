"""Rows for every table that exists at a schema revision, generated from that revision's own
schema (reflected from the database), so the statements are valid at that revision whatever
it is: the upgrade test needs no hand-written builder per revision, and a revision added later
is covered the day it lands.

Each table gets ``ROWS_PER_TABLE`` rows with distinct values (so unique constraints hold);
foreign keys point at the rows made for the referred table, which is filled first."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Connection,
    Date,
    DateTime,
    Float,
    Integer,
    Interval,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Uuid,
    inspect,
    select,
)
from sqlalchemy.types import TypeEngine

ROWS_PER_TABLE = 2
SKIPPED = ("alembic_version", "postmortem_search")
"""Alembic's own table, and the SQLite full-text index and its shadow tables (kept by triggers)."""
BASE_TIME = datetime(2026, 3, 1, 9, 30, 15, 250000)
QUOTED = re.compile(r"'((?:[^']|'')*)'")

Row = dict[str, Any]


@dataclass
class Snapshot:
    """What was written: table name -> rows (column name -> value)."""

    rows: dict[str, list[Row]]


def reflect(connection: Connection) -> MetaData:
    metadata = MetaData()
    metadata.reflect(connection)
    for name in list(metadata.tables):
        if name.startswith(SKIPPED):
            metadata.remove(metadata.tables[name])
    return metadata


def _allowed_values(connection: Connection, table: Table) -> dict[str, list[str]]:
    """Columns limited by a CHECK constraint (``col IN ('a', 'b')``): their allowed values."""
    allowed: dict[str, list[str]] = {}
    for check in inspect(connection).get_check_constraints(table.name):
        sqltext = str(check.get("sqltext", ""))
        values = [v.replace("''", "'") for v in QUOTED.findall(sqltext)]
        for column in table.columns:
            if values and re.search(rf"\b{re.escape(column.name)}\b", sqltext):
                allowed[column.name] = values
    return allowed


def _value(kind: TypeEngine[Any], table: str, column: str, index: int, dialect: str) -> Any:
    if isinstance(kind, Boolean):
        return index % 2 == 0
    if isinstance(kind, Integer):
        return 1000 + index
    if isinstance(kind, Float):
        return 1.5 + index
    if isinstance(kind, Numeric):
        return Decimal(f"{index}.25")
    if isinstance(kind, DateTime):
        moment = BASE_TIME + timedelta(days=index, minutes=len(column))
        return moment.replace(tzinfo=UTC) if dialect == "postgresql" else moment
    if isinstance(kind, Date):
        return date(2026, 3, 1 + index)
    if isinstance(kind, Interval):
        return timedelta(seconds=30 + index)
    if isinstance(kind, JSON):
        return {"table": table, "column": column, "index": index, "nested": [1, "two"]}
    if isinstance(kind, LargeBinary):
        return f"{table}.{column}.{index}".encode()
    if isinstance(kind, Uuid):
        return uuid.uuid5(uuid.NAMESPACE_URL, f"{table}.{column}.{index}")
    if isinstance(kind, String):
        text = f"{column}-{index}-é"
        return text[: kind.length] if kind.length else text
    raise AssertionError(f"no value for {table}.{column} of type {kind!r}")


def build(connection: Connection) -> Snapshot:
    """Inserts the rows into every table of the database as it stands; returns them."""
    metadata = reflect(connection)
    dialect = connection.dialect.name
    written: dict[str, list[Row]] = {}
    for table in metadata.sorted_tables:
        allowed = _allowed_values(connection, table)
        rows: list[Row] = []
        for index in range(ROWS_PER_TABLE):
            row: Row = {}
            for column in table.columns:
                if column.name in allowed:
                    values = allowed[column.name]
                    row[column.name] = values[index % len(values)]
                elif column.primary_key and isinstance(column.type, Integer):
                    row[column.name] = index + 1
                else:
                    row[column.name] = _value(column.type, table.name, column.name, index, dialect)
            for fk in table.foreign_keys:
                parent = written.get(fk.column.table.name)
                local = fk.parent.name
                if parent:
                    row[local] = parent[index % len(parent)][fk.column.name]
                elif fk.parent.nullable:
                    row[local] = None  # a cycle or a table referring to itself
                else:
                    raise AssertionError(f"{table.name}.{local} refers to an empty table")
            rows.append(row)
        connection.execute(table.insert(), rows)
        written[table.name] = rows
    return Snapshot(written)


def _same(before: Any, after: Any) -> bool:
    if isinstance(before, datetime) and isinstance(after, datetime):
        return (
            before.replace(tzinfo=None) == after.astimezone(UTC).replace(tzinfo=None)
            if (after.tzinfo)
            else before.replace(tzinfo=None) == after
        )
    if isinstance(before, float | Decimal) and isinstance(after, float | Decimal):
        return float(before) == float(after)
    return bool(before == after)


def differences(connection: Connection, snapshot: Snapshot) -> list[str]:
    """Every value written that is not read back the same (tables and columns dropped by a
    later revision excepted). Rows a migration adds (seeded counters) are no difference."""
    metadata = reflect(connection)
    found: list[str] = []
    for name, rows in snapshot.rows.items():
        table = metadata.tables.get(name)
        if table is None:
            continue
        key = [c for c in table.primary_key.columns]
        assert key, f"{name} has no primary key"
        stored = {
            tuple(r[c.name] for c in key): dict(r)
            for r in connection.execute(select(table)).mappings().fetchall()
        }
        for row in rows:
            after = stored.get(tuple(row[c.name] for c in key))
            if after is None:
                found.append(f"{name}: row {row} is gone")
                continue
            for column, value in row.items():
                if column in after and not _same(value, after[column]):
                    found.append(f"{name}.{column}: wrote {value!r}, read {after[column]!r}")
    return found
