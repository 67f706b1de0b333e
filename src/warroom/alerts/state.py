"""Alerts as the pipeline holds them: plain rows read and written in bulk.

The ORM's per-object bookkeeping (identity map, change tracking, one flush step per object)
cost more than everything else a storm's signal needs, so the pipeline keeps the alerts of a
batch as ``AlertRow`` objects: read with one SELECT, inserted with one executemany, and the
changed ones written back with an UPDATE executemany per set of changed columns
(``AlertStore.flush`` compares each row with what it last wrote: assign new values, never
change a row's dict or list in place). The stages take ``AlertView``, which the ORM's ``Alert``
satisfies too, so timers and the API use the same functions on ORM objects.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from functools import lru_cache
from operator import attrgetter
from typing import Any, Protocol

from sqlalchemy import Update, bindparam, insert, select, update
from sqlalchemy.orm import Session

from warroom.alerts.models import Alert, AlertDecision, AlertStatus
from warroom.db.base import table_of
from warroom.ingest.models import SourceKind

ALERTS = table_of(Alert)


class AlertView(Protocol):
    """What the pipeline's stages read and change of an alert."""

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
NEW_IDS = select(ALERTS.c.id, ALERTS.c.identity).where(
    ALERTS.c.integration == bindparam("integration"),
    ALERTS.c.identity.in_(bindparam("identities", expanding=True)),
    ALERTS.c.status != AlertStatus.RESOLVED,
)


@lru_cache(maxsize=256)
def _update_of(columns: tuple[str, ...]) -> Update:
    """The UPDATE of these columns by id (SQLite rewrites the index entries of every column
    an UPDATE sets, so a storm's joining signals set only what they changed)."""
    values: dict[str, Any] = {name: bindparam(name) for name in columns}
    return update(ALERTS).where(ALERTS.c.id == bindparam("row_id")).values(values)


_values: Callable[[AlertRow], tuple[Any, ...]] = attrgetter(*WRITTEN)
"""A row's written columns, in ``WRITTEN`` order (attrgetter: a storm calls it per row)."""


class AlertStore:
    """The alert rows of one batch: read once, written back in bulk (see the module)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._written: dict[int, tuple[Any, ...]] = {}
        self._rows: dict[int, AlertRow] = {}
        self._new: list[AlertRow] = []

    def open_alerts(self, integration: str, identities: Sequence[str]) -> list[AlertRow]:
        params = {"integration": integration, "identities": list(identities)}
        found = [AlertRow(*row) for row in self.session.execute(OPEN_ROWS, params).all()]
        for row in found:
            self._track(row)
        return found

    def by_id(self, alert_id: int) -> AlertRow | None:
        return self._rows.get(alert_id)

    def add(self, row: AlertRow) -> None:
        self._new.append(row)

    def _track(self, row: AlertRow) -> None:
        self._rows[row.id] = row
        self._written[row.id] = _values(row)

    def flush(self) -> None:
        """Insert the new rows (they get their ids) and write back the changed ones."""
        by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
        for row in self._rows.values():
            values = _values(row)
            written = self._written[row.id]
            if values == written:
                continue
            self._written[row.id] = values
            changed = tuple(
                name
                for name, new, old in zip(WRITTEN, values, written, strict=True)
                if new is not old and new != old
            )
            params = {name: getattr(row, name) for name in changed}
            params["row_id"] = row.id
            by_columns[changed].append(params)
        connection = self.session.connection()
        for columns, rows in by_columns.items():
            connection.execute(_update_of(columns), rows)
        if self._new:
            self._insert(self._new)
            self._new = []

    def _insert(self, rows: list[AlertRow]) -> None:
        # A batch opens at most one alert per identity (``dedup.cut``), and an identity has
        # at most one open alert: its open alert's id is the new row's.
        connection = self.session.connection()
        connection.execute(
            insert(ALERTS), [dict(zip(WRITTEN, _values(r), strict=True)) for r in rows]
        )
        by_integration: dict[str, dict[str, AlertRow]] = {}
        for row in rows:
            by_integration.setdefault(row.integration, {})[row.identity] = row
        for integration, wanted in by_integration.items():
            params = {"integration": integration, "identities": sorted(wanted)}
            for alert_id, identity in connection.execute(NEW_IDS, params):
                row = wanted[identity]
                row.id = alert_id
                self._track(row)

    def rows(self) -> Iterable[AlertRow]:
        return self._rows.values()
