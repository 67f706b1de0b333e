"""A signal joins the open alert with the same identity, or opens a new one.

PagerDuty's rules hold for every source: the same integration and dedup key (Alertmanager:
fingerprint) apply to the open alert; after it resolves, a trigger opens a new alert, and an
acknowledge or resolve for a key with no open alert is dropped. A re-delivered signal with
the same content as the last one applied changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.orm import Session

from warroom.alerts.models import Alert, AlertDecision, AlertEvent, AlertEventKind, AlertStatus
from warroom.db.base import table_of
from warroom.ingest.models import Signal, SignalAction, SignalOutcome, SourceKind
from warroom.ingest.signal import SignalView


class Change(StrEnum):
    OPENED = "opened"
    OCCURRED = "occurred"
    UPDATED = "updated"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


@dataclass(frozen=True)
class Applied:
    alert: Alert
    change: Change
    first_episode: bool = False
    """The alert is the first its identity ever had (so it cannot be flapping yet)."""


LATEST_EPISODE = (
    select(Alert)
    .where(Alert.integration == bindparam("integration"), Alert.identity == bindparam("identity"))
    .order_by(Alert.id.desc())
    .limit(1)
    .with_for_update()
)
"""Built once: a statement built per call costs more Python than its execution (hot path)."""


def latest_episode(session: Session, integration: str, identity: str) -> Alert | None:
    """The identity's newest alert, open or resolved: at most one is open (the unique
    index), and a new episode only starts after the previous one resolved, so the open one
    is always the newest."""
    return session.scalar(LATEST_EPISODE, {"integration": integration, "identity": identity})


EVENTS_TABLE = table_of(AlertEvent)


@dataclass(frozen=True)
class Entry:
    """One line of an alert's history, before it is written (see ``record``)."""

    kind: AlertEventKind
    text: str
    signal: Signal | None = None
    detail: dict[str, object] | None = None


def record(
    session: Session,
    alert: Alert,
    kind: AlertEventKind,
    text: str,
    now: datetime,
    signal: Signal | None = None,
    detail: dict[str, object] | None = None,
) -> None:
    """Adds a line to the alert's history (see ``record_all``)."""
    record_all(session, alert, [Entry(kind, text, signal, detail)], now)


def record_all(session: Session, alert: Alert, entries: Sequence[Entry], now: datetime) -> None:
    """Writes history lines of an alert that has its id at once, in one plain INSERT on the
    session's connection: the pipeline never reads them back through its session (only
    through queries, which then see them), and the ORM's flush of a row costs several times
    a plain INSERT on the pipeline's hot path. The session's pending changes are not
    flushed by it, unless the alert itself has not been written yet."""
    if not entries:
        return
    if alert.id is None:  # the lines refer to the alert's row: write it first
        session.flush()
    rows: list[dict[str, Any]] = [
        {
            "alert_id": alert.id,
            "at": now,
            "kind": entry.kind,
            "text": entry.text,
            "signal_id": entry.signal.id if entry.signal else None,
            "detail": entry.detail,
        }
        for entry in entries
    ]
    session.connection().execute(insert(EVENTS_TABLE), rows)  # without flushing the session


def count_events(
    session: Session, alert: Alert, kinds: tuple[AlertEventKind, ...], since: datetime
) -> int:
    """Events of these kinds since ``since`` over every episode of the alert's identity."""
    stmt = (
        select(func.count())
        .select_from(AlertEvent)
        .join(Alert, Alert.id == AlertEvent.alert_id)
        .where(
            Alert.integration == alert.integration,
            Alert.identity == alert.identity,
            AlertEvent.kind.in_(kinds),
            AlertEvent.at >= since,
        )
    )
    return int(session.scalar(stmt) or 0)


def _drop(signal: Signal, outcome: SignalOutcome, reason: str) -> None:
    signal.outcome = outcome
    signal.outcome_reason = reason


Prepare = Callable[[Alert], list[Entry]]
"""Fills in a new alert before its INSERT; returns history lines to add after ``opened``."""


def _open(
    session: Session, signal: Signal, view: SignalView, now: datetime, prepare: Prepare | None
) -> Alert:
    received = signal.received_at
    alert = Alert(
        integration=signal.integration,
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
        occurrences=1,
        last_signal_hash=view.text("hash"),
        decision=AlertDecision.PENDING,
    )
    session.add(alert)
    more = prepare(alert) if prepare else []  # e.g. the owner, in the alert's own INSERT
    session.flush()
    opened = Entry(AlertEventKind.OPENED, f"opened: {alert.title}", signal, _start_detail(view))
    record_all(session, alert, [opened, *more], now)
    return alert


def _refresh(alert: Alert, view: SignalView) -> None:
    alert.title = view.text("title") or alert.title
    alert.description = view.text("description") or alert.description
    alert.severity = view.text("severity") or alert.severity
    alert.labels = view.mapping("labels") or alert.labels
    alert.annotations = view.mapping("annotations") or alert.annotations
    alert.links = view.items("links") or alert.links
    alert.ends_at = view.time("ends_at")  # while firing: when the sender says it ends


def _start_detail(view: SignalView) -> dict[str, object] | None:
    starts = view.text("starts_at")
    return {"starts_at": starts} if starts else None


def _latest_start(session: Session, alert: Alert) -> datetime:
    """The startsAt the alert's latest occurrence began with (recorded on its event)."""
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
    return datetime.fromisoformat(value) if isinstance(value, str) else alert.starts_at


def _is_new_occurrence(session: Session, alert: Alert, signal: Signal, view: SignalView) -> bool:
    """Alertmanager repeats a firing alert on every notification: only a startsAt later than
    the one of the latest occurrence is a new occurrence. Every other source's trigger is one."""
    if signal.source is not SourceKind.ALERTMANAGER:
        return True
    starts = view.time("starts_at")
    return starts is not None and starts > _latest_start(session, alert)


def apply(
    session: Session, signal: Signal, now: datetime, prepare: Prepare | None = None
) -> Applied | None:
    """Apply the signal to its alert; None when it changed nothing (and why is recorded).
    ``prepare`` fills in an alert the signal opens before it is first written."""
    view = SignalView(signal.data)
    latest = latest_episode(session, signal.integration, signal.identity)
    alert = latest if latest is not None and latest.status is not AlertStatus.RESOLVED else None
    if signal.action is SignalAction.TRIGGER and alert is None:
        alert = _open(session, signal, view, now, prepare)
        # Set after the alert's flush: the signal's row is then updated once, not twice.
        signal.processed_at, signal.outcome = now, SignalOutcome.OPENED
        signal.alert_id = alert.id
        return Applied(alert, Change.OPENED, first_episode=latest is None)
    signal.processed_at = now
    if signal.action is SignalAction.TRIGGER and alert is not None:
        signal.alert_id = alert.id
        if view.text("hash") == alert.last_signal_hash:
            _drop(signal, SignalOutcome.DUPLICATE, "same content as the last signal applied")
            return None
        alert.last_signal_hash = view.text("hash")
        alert.last_seen_at = signal.received_at
        _refresh(alert, view)
        signal.outcome = SignalOutcome.UPDATED
        if _is_new_occurrence(session, alert, signal, view):
            alert.occurrences += 1
            record(
                session,
                alert,
                AlertEventKind.OCCURRED,
                f"occurred again (#{alert.occurrences})",
                now,
                signal,
                detail=_start_detail(view),
            )
            return Applied(alert, Change.OCCURRED)
        return Applied(alert, Change.UPDATED)
    if alert is None:
        _drop(
            signal,
            SignalOutcome.DROPPED,
            f"no open alert for this key: {signal.action.value} ignored",
        )
        return None
    signal.alert_id = alert.id
    if signal.action is SignalAction.ACKNOWLEDGE:
        if alert.status is AlertStatus.ACKNOWLEDGED:
            _drop(signal, SignalOutcome.DUPLICATE, "already acknowledged")
            return None
        alert.status = AlertStatus.ACKNOWLEDGED
        alert.acknowledged_at = signal.received_at
        alert.last_seen_at = signal.received_at
        signal.outcome = SignalOutcome.UPDATED
        text = "acknowledged by the sender"
        record(session, alert, AlertEventKind.ACKNOWLEDGED, text, now, signal)
        return Applied(alert, Change.ACKNOWLEDGED)
    alert.status = AlertStatus.RESOLVED
    alert.resolved_at = signal.received_at
    alert.ends_at = view.time("ends_at") or signal.received_at
    alert.last_seen_at = signal.received_at
    alert.last_signal_hash = view.text("hash")
    signal.outcome = SignalOutcome.UPDATED
    record(session, alert, AlertEventKind.RESOLVED, "resolved", now, signal)
    return Applied(alert, Change.RESOLVED)
