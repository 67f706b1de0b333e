"""An alert's history: the lines that say what happened to it and why.

The pipeline collects a batch's lines in a ``History`` and writes them with one bulk INSERT
at the end of the batch, in the order they were added (an alert's history reads in id
order). Lines are never read back through the session that writes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warroom.alerts.models import Alert, AlertEvent, AlertEventKind
from warroom.alerts.state import AlertRow
from warroom.db.base import table_of
from warroom.db.bulk import bulk_insert

EVENTS_TABLE = table_of(AlertEvent)
EVENT_COLUMNS = ("alert_id", "at", "kind", "text", "signal_id", "detail")


@dataclass(frozen=True)
class Entry:
    """One line of an alert's history, before it is written."""

    kind: AlertEventKind
    text: str
    signal_id: int | None = None
    detail: dict[str, object] | None = None


class History:
    """The history lines of a batch, written together by ``write``."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self._lines: list[tuple[AlertRow, Entry]] = []

    def add(
        self,
        alert: AlertRow,
        kind: AlertEventKind,
        text: str,
        signal_id: int | None = None,
        detail: dict[str, object] | None = None,
    ) -> None:
        self._lines.append((alert, Entry(kind, text, signal_id, detail)))

    def extend(self, alert: AlertRow, entries: Sequence[Entry]) -> None:
        self._lines.extend((alert, entry) for entry in entries)

    def __len__(self) -> int:
        return len(self._lines)

    def write(self, session: Session) -> None:
        """One INSERT for every line (the alerts must have their ids: flush them first)."""
        if not self._lines:
            return
        now = self.now
        rows = [
            (alert.id, now, entry.kind, entry.text, entry.signal_id, entry.detail)
            for alert, entry in self._lines
        ]
        self._lines = []
        connection = session.connection()
        bulk_insert(EVENTS_TABLE, EVENT_COLUMNS, connection.dialect).run(connection, rows)


def count_events(
    session: Session,
    integration: str,
    identities: Sequence[str],
    kinds: tuple[AlertEventKind, ...],
    since: datetime,
) -> dict[str, int]:
    """Events of these kinds since ``since`` over every episode of each identity."""
    if not identities:
        return {}
    stmt = (
        select(Alert.identity, func.count())
        .select_from(AlertEvent)
        .join(Alert, Alert.id == AlertEvent.alert_id)
        .where(
            Alert.integration == integration,
            Alert.identity.in_(sorted(set(identities))),
            AlertEvent.kind.in_(kinds),
            AlertEvent.at >= since,
        )
        .group_by(Alert.identity)
    )
    return {identity: int(count) for identity, count in session.execute(stmt)}
