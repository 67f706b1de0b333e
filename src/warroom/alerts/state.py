"""Alerts as the pipeline holds them: plain rows read and written in bulk.

The ORM's per-object bookkeeping (identity map, change tracking, one flush step per object)
cost more than everything else a storm's signal needs, so the pipeline keeps the alerts of a
batch as ``AlertRow`` objects: read with one SELECT, inserted with one executemany, and the
changed ones written back with an UPDATE executemany per set of changed columns
(``AlertStore.flush`` compares each row with what it last wrote: assign new values, never
change a row's dict or list in place). Timers and rechecks load the alerts they look at through
an ``AlertStore`` too, so every stage works on ``AlertRow``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from operator import attrgetter
from typing import Any

from sqlalchemy import ColumnElement, bindparam, select
from sqlalchemy.orm import Session

from warroom.alerts.models import Alert, AlertDecision, AlertStatus
from warroom.db.base import table_of
from warroom.db.bulk import allocate_ids, bulk_insert, bulk_update
from warroom.ingest.models import SourceKind

ALERTS = table_of(Alert)


@dataclass(slots=True, eq=False)
class AlertRow:
    """An ``alerts`` row, its fields in the table's column order (checked below)."""

    id: int
    integration: str
    source: SourceKind
    identity: str
    status: AlertStatus
    title: str
    description: str
    severity: str | None
    environment: str | None
    labels: dict[str, str]
    annotations: dict[str, str]
    links: list[dict[str, Any]]
    group_key: str | None
    team: str | None
    service: str | None
    routed_by: dict[str, Any]
    starts_at: datetime
    ends_at: datetime | None
    first_seen_at: datetime
    last_seen_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    last_starts_at: datetime | None
    occurrences: int
    last_signal_hash: str | None
    flapping: bool
    muted_by: str | None
    rule: str | None
    decision: AlertDecision
    incident_id: int | None


COLUMNS = tuple(column.name for column in ALERTS.c)
if tuple(f.name for f in fields(AlertRow)) != COLUMNS:  # pragma: no cover - a schema change
    raise RuntimeError("AlertRow's fields must follow the alerts table's columns")
WRITTEN = COLUMNS[1:]
"""Everything but the id (an identity's integration and identity never change, but an
UPDATE of every column is one statement for every row)."""
NEW = 0
"""The id of a row not inserted yet."""

OPEN_ROWS = select(ALERTS).where(
    ALERTS.c.integration == bindparam("integration"),
    ALERTS.c.identity.in_(bindparam("identities", expanding=True)),
    ALERTS.c.status != AlertStatus.RESOLVED,
)

_values: Callable[[AlertRow], tuple[Any, ...]] = attrgetter(*WRITTEN)
"""A row's written columns, in ``WRITTEN`` order (attrgetter: a storm calls it per row)."""


class AlertStore:
    """The alert rows of one batch: read once, written back in bulk (see the module).

    New rows get their ids at once (``assign_ids``) and are inserted at the next ``flush``,
    usually the batch's last: by then the stages have decided them, so a storm's new alert
    is one INSERT and no UPDATE."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._written: dict[int, tuple[Any, ...]] = {}
        self._rows: dict[int, AlertRow] = {}
        self._new: list[AlertRow] = []

    def open_alerts(self, integration: str, identities: Sequence[str]) -> list[AlertRow]:
        params = {"integration": integration, "identities": list(identities)}
        found = [AlertRow(*row) for row in self.session.execute(OPEN_ROWS, params).all()]
        for row in found:
            self._rows[row.id] = row
            self._written[row.id] = _values(row)
        return found

    def load(self, *where: ColumnElement[bool], for_update: bool = False) -> list[AlertRow]:
        """The alerts matching ``where``, by id, as rows this store writes back (a row it
        holds already is returned as it is, not read again)."""
        statement = select(ALERTS).where(*where).order_by(ALERTS.c.id)
        if for_update:
            statement = statement.with_for_update()
        found = []
        for values in self.session.execute(statement).all():
            row = self._rows.get(values[0])
            if row is None:
                row = AlertRow(*values)
                self._rows[row.id] = row
                self._written[row.id] = _values(row)
            found.append(row)
        return found

    def add(self, row: AlertRow) -> None:
        self._new.append(row)

    def assign_ids(self) -> None:
        """Ids for the new rows (their history lines and timers refer to them)."""
        waiting = [row for row in self._new if row.id == NEW]
        ids = allocate_ids(self.session.connection(), ALERTS, len(waiting))
        for row, alert_id in zip(waiting, ids, strict=True):
            row.id = alert_id
            self._rows[alert_id] = row

    def flush(self) -> None:
        """Write back the changed rows, then insert the new ones."""
        self.assign_ids()
        connection = self.session.connection()
        dialect = connection.dialect
        by_columns: dict[tuple[str, ...], list[tuple[Any, ...]]] = defaultdict(list)
        for alert_id, written in self._written.items():
            values = _values(self._rows[alert_id])
            if values == written:
                continue
            self._written[alert_id] = values
            changed = [
                index
                for index, (new, old) in enumerate(zip(values, written, strict=True))
                if new is not old and new != old
            ]
            columns = tuple(WRITTEN[index] for index in changed)
            by_columns[columns].append((*(values[index] for index in changed), alert_id))
        for columns, rows in by_columns.items():
            bulk_update(ALERTS, columns, "id", dialect).run(connection, rows)
        if self._new:
            insert = bulk_insert(ALERTS, COLUMNS, dialect)
            insert.run(connection, [(row.id, *_values(row)) for row in self._new])
            for row in self._new:
                self._written[row.id] = _values(row)
            self._new = []
