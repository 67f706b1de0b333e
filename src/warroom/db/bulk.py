"""Bulk statements for the hot paths: SQLAlchemy compiles the statement once, and each row
goes to the driver's ``executemany`` after only its columns' type conversions.

A Core ``execute(statement, rows)`` spends most of its time per row building parameters
(about 20 µs for a ten-column row here); a storm writes tens of thousands of rows, so the
pipeline's bulk writes (alerts, their history lines, signal outcomes, timers) come through
here. The SQL, the type conversions and the parameter style are SQLAlchemy's own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Dialect, Insert, Table, Update, bindparam, insert, update
from sqlalchemy.types import TypeEngine

from warroom.clock import as_utc
from warroom.db.base import UTCDateTime

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class BulkStatement:
    sql: str
    keys: tuple[str, ...]
    """The parameters, in the order the rows give them."""
    processors: tuple[Processor, ...]
    named: bool
    """pyformat (psycopg): rows go as dicts; qmark (sqlite3): as tuples."""

    def run(self, connection: Connection, rows: Sequence[Sequence[Any]]) -> None:
        """``rows`` hold the values in ``keys`` order."""
        if not rows:
            return
        converting = [(i, p) for i, p in enumerate(self.processors) if p is not None]
        converted: list[tuple[Any, ...]] = []
        for row in rows:
            values = list(row)
            for index, processor in converting:
                values[index] = processor(values[index])
            converted.append(tuple(values))
        if self.named:
            params: Any = [dict(zip(self.keys, row, strict=True)) for row in converted]
        else:
            params = converted
        connection.exec_driver_sql(self.sql, params)


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


def _bulk(statement: Insert | Update, dialect: Dialect, keys: tuple[str, ...]) -> BulkStatement:
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))
    order = tuple(compiled.positiontup) if compiled.positiontup is not None else keys
    if sorted(order) != sorted(keys):
        raise ValueError(f"statement parameters {order} are not {keys}")
    processors = tuple(_processor(compiled.binds[name].type, dialect) for name in order)
    return BulkStatement(compiled.string, order, processors, compiled.positiontup is None)


@lru_cache(maxsize=64)
def bulk_insert(table: Table, columns: tuple[str, ...], dialect: Dialect) -> BulkStatement:
    """INSERT of ``columns`` (no RETURNING)."""
    return _bulk(insert(table).inline(), dialect, columns)


@lru_cache(maxsize=256)
def bulk_update(
    table: Table, columns: tuple[str, ...], key: str, dialect: Dialect
) -> BulkStatement:
    """UPDATE of ``columns`` of the row whose ``key`` column equals the row's last value
    (rows give ``columns`` then the key)."""
    by = f"by_{key}"
    values: dict[str, Any] = {name: bindparam(name) for name in columns}
    statement = update(table).where(table.c[key] == bindparam(by)).values(values)
    keys = (*columns, by)
    bulk = _bulk(statement, dialect, keys)
    if bulk.keys != keys:  # positional order differs from the rows' order: reorder
        index = [keys.index(name) for name in bulk.keys]
        return _Reordered(bulk.sql, bulk.keys, bulk.processors, bulk.named, tuple(index))
    return bulk


@dataclass(frozen=True)
class _Reordered(BulkStatement):
    index: tuple[int, ...] = ()

    def run(self, connection: Connection, rows: Sequence[Sequence[Any]]) -> None:
        super().run(connection, [tuple(row[i] for i in self.index) for row in rows])


def allocate_ids(connection: Connection, table: Table, count: int) -> list[int]:
    """``count`` new ids of ``table``'s integer primary key ``id``, for rows inserted later
    in the same transaction: on PostgreSQL from its sequence; on SQLite after the largest
    id (the transaction holds the database's write lock from its start, see
    ``warroom.db.engine``, so no one else inserts meanwhile)."""
    if count <= 0:
        return []
    name = table.name
    if connection.dialect.name == "postgresql":
        sql = (
            f"SELECT nextval(pg_get_serial_sequence('{name}', 'id')) FROM generate_series(1, %(n)s)"
        )
        return [int(value) for (value,) in connection.exec_driver_sql(sql, {"n": count})]
    largest = connection.exec_driver_sql(f"SELECT coalesce(max(id), 0) FROM {name}").scalar_one()
    return list(range(int(largest) + 1, int(largest) + 1 + count))
