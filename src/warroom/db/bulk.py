"""Bulk statements for the hot paths: many rows in few statements, each value converted by its
column's own SQLAlchemy type and nothing else.

A Core ``execute(statement, rows)`` spends most of its time per row building parameters
(about 20 µs for a ten-column row here), and psycopg's ``executemany`` still sends and runs
one statement per row. A storm writes tens of thousands of rows, so the pipeline's bulk
writes (alerts, their history lines, signal outcomes, timers) come through here:

- SQLite: the driver's ``executemany`` of SQLAlchemy's compiled statement (in-process, it
  costs little per row);
- PostgreSQL: one statement for all the rows, sent as one JSON array of rows (orjson
  writes it in C) that the statement reads back column by column, each cast to its
  column's type (``INSERT … SELECT … FROM json_array_elements(…)``, ``UPDATE … FROM``).
  JSON columns keep SQLAlchemy's default: a Python ``None`` is JSON ``null``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

import orjson
from sqlalchemy import Connection, Dialect, Table, bindparam, insert, update
from sqlalchemy.types import TypeEngine

from warroom.clock import as_utc
from warroom.db.base import UTCDateTime

Processor = Callable[[Any], Any] | None


def _sqlite_time(value: datetime | None) -> str | None:
    """SQLAlchemy's text of a UTC datetime in SQLite (``UTCDateTime``), made the cheap way:
    isoformat gives the same text as its strftime for years 1000 to 9999."""
    if value is None:
        return None
    return as_utc(value).replace(tzinfo=None).isoformat(" ", "microseconds")


def _processor(type_: TypeEngine[Any], dialect: Dialect) -> Processor:
    if isinstance(type_, UTCDateTime) and dialect.name == "sqlite":
        return _sqlite_time
    return type_.bind_processor(dialect)


def _cast(type_: TypeEngine[Any], dialect: Dialect) -> str:
    """The SQL type a PostgreSQL parameter is cast to (strings without their length, so a
    value too long fails on the column as in any other write)."""
    return re.sub(r"\(\d+\)", "", type_.compile(dialect=dialect))


@dataclass(frozen=True)
class BulkStatement:
    table: Table
    columns: tuple[str, ...]
    """The values of each row, in this order (for an update: the columns, then the key)."""
    key: str | None
    """An update's key column (rows give its value last); None for an insert."""
    dialect: Dialect
    processors: tuple[Processor, ...]
    executemany_sql: str

    def run(self, connection: Connection, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        if self.dialect.name == "postgresql":
            payload = orjson.dumps(rows, option=orjson.OPT_NAIVE_UTC).decode()
            connection.exec_driver_sql(_json_sql(self), (payload,))
            return
        converting = [(i, p) for i, p in enumerate(self.processors) if p is not None]
        converted: list[tuple[Any, ...]] = []
        for row in rows:
            values = list(row)
            for index, processor in converting:
                values[index] = processor(values[index])
            converted.append(tuple(values))
        connection.exec_driver_sql(self.executemany_sql, converted)


@lru_cache(maxsize=256)
def _json_sql(bulk: BulkStatement) -> str:
    """PostgreSQL: the statement reading its rows from one JSON array of arrays."""
    names = bulk.columns if bulk.key is None else (*bulk.columns[:-1], bulk.key)
    values = []
    for index, name in enumerate(names):
        cast = _cast(bulk.table.c[name].type, bulk.dialect)
        values.append(f"(e->{index})" if cast == "JSON" else f"(e->>{index})::{cast}")
    rows = "json_array_elements(%s::json) AS e"
    table = bulk.table.name
    if bulk.key is None:
        return f"INSERT INTO {table} ({', '.join(names)}) SELECT {', '.join(values)} FROM {rows}"
    columns = bulk.columns[:-1]
    sets = ", ".join(f"{name} = v.{name}" for name in columns)
    selected = ", ".join(
        f"{value} AS {alias}" for value, alias in zip(values, (*columns, "by_key"), strict=True)
    )
    return (
        f"UPDATE {table} AS t SET {sets} FROM (SELECT {selected} FROM {rows}) AS v "
        f"WHERE t.{bulk.key} = v.by_key"
    )


def _bulk(table: Table, statement: Any, keys: tuple[str, ...], dialect: Dialect) -> BulkStatement:
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))
    if compiled.positiontup is not None and tuple(compiled.positiontup) != keys:
        raise ValueError(f"statement parameters {compiled.positiontup} are not {keys}")
    processors = tuple(_processor(compiled.binds[name].type, dialect) for name in keys)
    return BulkStatement(table, keys, None, dialect, processors, compiled.string)


@lru_cache(maxsize=64)
def bulk_insert(table: Table, columns: tuple[str, ...], dialect: Dialect) -> BulkStatement:
    """INSERT of ``columns`` (no RETURNING)."""
    return _bulk(table, insert(table).inline(), columns, dialect)


@lru_cache(maxsize=256)
def bulk_update(
    table: Table, columns: tuple[str, ...], key: str, dialect: Dialect
) -> BulkStatement:
    """UPDATE of ``columns`` of the row whose ``key`` column equals the row's last value
    (rows give ``columns`` then the key)."""
    by = f"by_{key}"
    values: dict[str, Any] = {name: bindparam(name) for name in columns}
    statement = update(table).where(table.c[key] == bindparam(by)).values(values)
    bulk = _bulk(table, statement, (*columns, by), dialect)
    return BulkStatement(table, bulk.columns, key, dialect, bulk.processors, bulk.executemany_sql)


def allocate_ids(connection: Connection, table: Table, count: int) -> list[int]:
    """``count`` new ids of ``table``'s integer primary key ``id``, for rows inserted later
    in the same transaction: on PostgreSQL from its sequence; on SQLite after the largest
    id (the transaction holds the database's write lock from its start, see
    ``warroom.db.engine``, so no one else inserts meanwhile)."""
    if count <= 0:
        return []
    name = table.name
    if connection.dialect.name == "postgresql":
        sequence = f"pg_get_serial_sequence('{name}', 'id')"
        sql = f"SELECT nextval({sequence}) FROM generate_series(1, %(n)s)"
        return [int(value) for (value,) in connection.exec_driver_sql(sql, {"n": count})]
    largest = connection.exec_driver_sql(f"SELECT coalesce(max(id), 0) FROM {name}").scalar_one()
    return list(range(int(largest) + 1, int(largest) + 1 + count))
