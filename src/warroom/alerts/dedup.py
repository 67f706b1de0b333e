"""A signal joins the open alert with the same identity, or opens a new one — a batch at a
time.

PagerDuty's rules hold for every source: the same integration and dedup key (Alertmanager:
fingerprint) apply to the open alert; after it resolves, a trigger opens a new alert, and an
acknowledge or resolve for a key with no open alert is dropped. A re-delivered signal with
the same content as the last one applied changes nothing.

A batch reads the open alerts of all its identities in one query, applies its signals in
order in memory, and writes the new alerts, the changed ones and the signals' outcomes in
bulk. ``cut`` ends a batch before a signal whose identity already had a signal of another
action in it, so every alert sees one kind of change per batch and the stages after dedup
(rules, incidents) see each state it went through.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from warroom.alerts.history import Entry, History
from warroom.alerts.models import Alert, AlertDecision, AlertEvent, AlertEventKind, AlertStatus
from warroom.alerts.state import NEW, AlertRow, AlertStore
from warroom.db.base import table_of
from warroom.db.bulk import bulk_update
from warroom.ingest.models import Signal, SignalAction, SignalOutcome, SourceKind
from warroom.ingest.signal import SignalView

SIGNALS_TABLE = table_of(Signal)


class Change(StrEnum):
    OPENED = "opened"
    OCCURRED = "occurred"
    UPDATED = "updated"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


@dataclass
class PendingSignal:
    """A signal row read for a batch (plain values: no ORM object per signal)."""

    id: int
    source: SourceKind
    action: SignalAction
    identity: str
    received_at: datetime
    data: dict[str, Any]
    outcome: SignalOutcome | None = None
    reason: str | None = None
    alert: AlertRow | None = None

    def decided(self, outcome: SignalOutcome, reason: str | None = None) -> None:
        self.outcome, self.reason = outcome, reason


@dataclass
class Applied:
    """What a batch did to one alert: its strongest change, and what the stages after
    dedup need to know about its history."""

    alert: AlertRow
    change: Change
    first_episode: bool = False
    """The alert is the first its identity ever had (so it cannot be flapping yet)."""
    previous_id: int | None = None
    """An alert the batch opened: the identity's previous episode, if it had one."""
    ends_at_before: datetime | None = None
    signals: list[PendingSignal] = field(default_factory=list)


Prepare = Callable[[AlertRow], list[Entry]]
"""Fills in a new alert before its INSERT; returns history lines to add after ``opened``."""


def cut(signals: Sequence[PendingSignal]) -> list[PendingSignal]:
    """The longest prefix in which no identity has signals of two different actions."""
    seen: dict[str, SignalAction] = {}
    for index, signal in enumerate(signals):
        action = seen.setdefault(signal.identity, signal.action)
        if action is not signal.action:
            return list(signals[:index])
    return list(signals)


LATEST_EPISODES = (
    select(Alert.identity, func.max(Alert.id))
    .where(
        Alert.integration == bindparam("integration"),
        Alert.identity.in_(bindparam("identities", expanding=True)),
    )
    .group_by(Alert.identity)
)
"""Built once: a statement built per call costs more Python than its execution (hot path)."""


class Batch:
    """Applies a batch of one integration's signals to their alerts (see the module)."""

    def __init__(
        self, store: AlertStore, integration: str, history: History, prepare: Prepare | None
    ) -> None:
        self.store = store
        self.session = store.session
        self.integration = integration
        self.history = history
        self.prepare = prepare
        self.now = history.now
        self.open: dict[str, AlertRow] = {}
        self.applied: dict[str, Applied] = {}
        """By identity, in the order the batch first changed each alert."""
        self._latest: dict[str, int] = {}

    def run(self, signals: Sequence[PendingSignal]) -> list[Applied]:
        identities = sorted({s.identity for s in signals})
        params = {"integration": self.integration, "identities": identities}
        self.open = {a.identity: a for a in self.store.open_alerts(self.integration, identities)}
        closed = [i for i in identities if i not in self.open]
        if closed and any(s.action is SignalAction.TRIGGER for s in signals):
            params["identities"] = closed
            rows = self.session.execute(LATEST_EPISODES, params)
            self._latest = {identity: int(latest) for identity, latest in rows}
        for signal in signals:
            self._apply(signal)
        return list(self.applied.values())

    def _note(self, alert: AlertRow, change: Change, signal: PendingSignal) -> Applied:
        applied = self.applied.get(alert.identity)
        if applied is None or applied.alert is not alert:
            applied = Applied(alert, change, ends_at_before=alert.ends_at)
            self.applied[alert.identity] = applied
        elif _RANK[change] > _RANK[applied.change]:
            applied.change = change
        applied.signals.append(signal)
        signal.alert = alert
        return applied

    def _apply(self, signal: PendingSignal) -> None:
        view = SignalView(signal.data)
        alert = self.open.get(signal.identity)
        if signal.action is SignalAction.TRIGGER:
            if alert is None:
                self._open(signal, view)
            else:
                self._trigger(alert, signal, view)
            return
        if alert is None:
            action = signal.action.value
            signal.decided(SignalOutcome.DROPPED, f"no open alert for this key: {action} ignored")
            return
        if signal.action is SignalAction.ACKNOWLEDGE:
            self._acknowledge(alert, signal)
        else:
            self._resolve(alert, signal, view)

    def _open(self, signal: PendingSignal, view: SignalView) -> None:
        received = signal.received_at
        alert = AlertRow(
            id=NEW,
            integration=self.integration,
            source=signal.source,
            identity=signal.identity,
            status=AlertStatus.FIRING,
            title=view.text("title") or signal.identity,
            description=view.text("description") or "",
            severity=view.text("severity"),
            environment=view.text("environment"),
            labels=view.mapping("labels"),
            annotations=view.mapping("annotations"),
            links=view.items("links"),
            group_key=view.text("group_key"),
            team=view.text("team"),
            service=view.text("service"),
            routed_by={},
            starts_at=min(view.time("starts_at") or received, received),
            ends_at=view.time("ends_at"),
            first_seen_at=received,
            last_seen_at=received,
            last_starts_at=view.time("starts_at"),
            occurrences=1,
            last_signal_hash=view.text("hash"),
            acknowledged_at=None,
            resolved_at=None,
            flapping=False,
            muted_by=None,
            rule=None,
            decision=AlertDecision.PENDING,
            incident_id=None,
        )
        self.store.add(alert)
        more = self.prepare(alert) if self.prepare else []  # e.g. the owner
        self.history.add(
            alert, AlertEventKind.OPENED, f"opened: {alert.title}", signal.id, _start(view)
        )
        self.history.extend(alert, more)
        self.open[signal.identity] = alert
        previous = self._latest.get(signal.identity)
        applied = self._note(alert, Change.OPENED, signal)
        applied.first_episode, applied.previous_id = previous is None, previous
        applied.ends_at_before = None
        signal.decided(SignalOutcome.OPENED)

    def _trigger(self, alert: AlertRow, signal: PendingSignal, view: SignalView) -> None:
        self._note(alert, Change.UPDATED, signal)
        digest = view.text("hash")
        if digest == alert.last_signal_hash:
            signal.decided(SignalOutcome.DUPLICATE, "same content as the last signal applied")
            return
        alert.last_signal_hash = digest
        alert.last_seen_at = signal.received_at
        _refresh(alert, view)
        signal.decided(SignalOutcome.UPDATED)
        if not self._is_new_occurrence(alert, signal, view):
            return
        alert.occurrences += 1
        alert.last_starts_at = view.time("starts_at") or alert.last_starts_at
        self._note(alert, Change.OCCURRED, signal)
        text = f"occurred again (#{alert.occurrences})"
        self.history.add(alert, AlertEventKind.OCCURRED, text, signal.id, _start(view))

    def _acknowledge(self, alert: AlertRow, signal: PendingSignal) -> None:
        if alert.status is AlertStatus.ACKNOWLEDGED:
            signal.alert = alert
            signal.decided(SignalOutcome.DUPLICATE, "already acknowledged")
            return
        self._note(alert, Change.ACKNOWLEDGED, signal)
        alert.status = AlertStatus.ACKNOWLEDGED
        alert.acknowledged_at = signal.received_at
        alert.last_seen_at = signal.received_at
        signal.decided(SignalOutcome.UPDATED)
        text = "acknowledged by the sender"
        self.history.add(alert, AlertEventKind.ACKNOWLEDGED, text, signal.id)

    def _resolve(self, alert: AlertRow, signal: PendingSignal, view: SignalView) -> None:
        self._note(alert, Change.RESOLVED, signal)
        alert.status = AlertStatus.RESOLVED
        alert.resolved_at = signal.received_at
        alert.ends_at = view.time("ends_at") or signal.received_at
        alert.last_seen_at = signal.received_at
        alert.last_signal_hash = view.text("hash")
        signal.decided(SignalOutcome.UPDATED)
        self.history.add(alert, AlertEventKind.RESOLVED, "resolved", signal.id)
        del self.open[signal.identity]

    def _is_new_occurrence(self, alert: AlertRow, signal: PendingSignal, view: SignalView) -> bool:
        """Alertmanager repeats a firing alert on every notification: only a startsAt later
        than the one of the latest occurrence is a new occurrence. Every other source's
        trigger is one."""
        if signal.source is not SourceKind.ALERTMANAGER:
            return True
        starts = view.time("starts_at")
        return starts is not None and starts > _latest_start(self.session, alert)


_RANK = {
    Change.UPDATED: 0,
    Change.ACKNOWLEDGED: 1,
    Change.RESOLVED: 1,
    Change.OCCURRED: 2,
    Change.OPENED: 3,
}


def _refresh(alert: AlertRow, view: SignalView) -> None:
    alert.title = view.text("title") or alert.title
    alert.description = view.text("description") or alert.description
    alert.severity = view.text("severity") or alert.severity
    alert.labels = view.mapping("labels") or alert.labels
    alert.annotations = view.mapping("annotations") or alert.annotations
    alert.links = view.items("links") or alert.links
    alert.ends_at = view.time("ends_at")  # while firing: when the sender says it ends


def _start(view: SignalView) -> dict[str, object] | None:
    starts = view.text("starts_at")
    return {"starts_at": starts} if starts else None


def _latest_start(session: Session, alert: AlertRow) -> datetime:
    """The startsAt the alert's latest occurrence began with. Kept on the alert; alerts
    opened before it was (schema 0005) have it on their latest event."""
    if alert.last_starts_at is not None:
        return alert.last_starts_at
    if alert.id == NEW:
        return alert.starts_at
    stmt = (
        select(AlertEvent.detail)
        .where(
            AlertEvent.alert_id == alert.id,
            AlertEvent.kind.in_((AlertEventKind.OPENED, AlertEventKind.OCCURRED)),
        )
        .order_by(AlertEvent.id.desc())
        .limit(1)
    )
    detail = session.scalar(stmt)
    value = detail.get("starts_at") if isinstance(detail, dict) else None
    alert.last_starts_at = (
        datetime.fromisoformat(value) if isinstance(value, str) else alert.starts_at
    )
    return alert.last_starts_at


OUTCOME_COLUMNS = ("processed_at", "outcome", "outcome_reason", "alert_id")


def write_outcomes(session: Session, signals: Sequence[PendingSignal], now: datetime) -> None:
    """Marks the signals processed, with their outcomes, in one executemany (after the
    alerts have their ids)."""
    rows = [
        (
            now,
            s.outcome or SignalOutcome.DROPPED,
            s.reason,
            s.alert.id if s.alert is not None else None,
            s.id,
        )
        for s in signals
    ]
    connection = session.connection()
    bulk_update(SIGNALS_TABLE, OUTCOME_COLUMNS, "id", connection.dialect).run(connection, rows)
