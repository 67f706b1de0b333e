"""The worker stage that watches the configured queues (``queues:``) through the metric
store and raises or resolves "queue not draining" signals (integration ``warroom-queues``).

Each run replays the last ``window`` plus ``rising_steps`` steps of every queue through a
fresh :class:`QueueWatch`, so it keeps no state between runs and survives restarts.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

import structlog
from sqlalchemy.orm import Session, sessionmaker

from warroom.config import Config, LiveConfig
from warroom.config.queues import QueueMonitor
from warroom.detect import open_alerts
from warroom.detect.ownership import owning_team, pick_severity, severity_label
from warroom.detect.queues import Observation, QueueRule, QueueWatch
from warroom.detect.series import Labels, SeriesSource, SeriesUnavailable
from warroom.detect.slo.evaluator import MetricStore, no_metric_store
from warroom.ingest.models import SignalAction, SourceKind
from warroom.ingest.signal import SignalIn, persist

INTEGRATION = "warroom-queues"
ALERT_NAME = "QueueNotDraining"
DEFAULT_SEVERITY = "SEV3"
log = structlog.get_logger(__name__)


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return f"{{{key}}}"


def identity(monitor: QueueMonitor, labels: Labels) -> str:
    return f"queue:{monitor.name}:{hashlib.sha256(repr(labels).encode()).hexdigest()[:16]}"


def _rates(
    metrics: SeriesSource, query: str | None, start: float, end: float, step: float
) -> dict[Labels, dict[float, float]]:
    if query is None:
        return {}
    return {
        s.labels: {p.at: p.value for p in s.samples}
        for s in metrics.query_range(query, start, end, step)
    }


def verdicts(
    monitor: QueueMonitor, metrics: SeriesSource, now: datetime
) -> dict[Labels, Observation]:
    """The verdict of every queue at its last sample."""
    step = monitor.step.total_seconds()
    end = now.timestamp()
    start = end - monitor.window.total_seconds() - (monitor.rising_steps + 1) * step
    rule = QueueRule(monitor.rising_steps, monitor.window.total_seconds(), monitor.threshold)
    inflow = _rates(metrics, monitor.inflow, start, end, step)
    drain = _rates(metrics, monitor.drain, start, end, step)
    found: dict[Labels, Observation] = {}
    for series in metrics.query_range(monitor.depth, start, end, step):
        watch = QueueWatch(rule)
        ins, outs = inflow.get(series.labels, {}), drain.get(series.labels, {})
        last: Observation | None = None
        for sample in series.samples:
            last = watch.observe(sample.at, sample.value, ins.get(sample.at), outs.get(sample.at))
        if last is not None:
            found[series.labels] = last
    return found


def trigger(
    config: Config, monitor: QueueMonitor, labels: Labels, seen: Observation, now: datetime
) -> SignalIn:
    team = owning_team(config, monitor.team, monitor.service)
    key = pick_severity(config, monitor.severity, DEFAULT_SEVERITY)
    label = severity_label(config, key)
    series = {k: v for k, v in labels if k != "__name__"}
    try:
        title = monitor.title.format_map(_Blank(series))
    except (ValueError, IndexError):
        title = monitor.title
    return SignalIn(
        action=SignalAction.TRIGGER,
        identity=identity(monitor, labels),
        title=title,
        description=(
            f"{monitor.depth} {series or ''}: depth {seen.depth:g}, {seen.verdict.value}: "
            f"{seen.reason}."
        ),
        severity=label,
        labels={
            "alertname": ALERT_NAME,
            "queue_monitor": monitor.name,
            **series,
            **({"service": monitor.service} if monitor.service else {}),
            **({"team": team} if team else {}),
            "severity": label,
        },
        annotations={"verdict": seen.verdict.value, "reason": seen.reason},
        starts_at=now,
        team=team,
        service=monitor.service,
        details={"depth": seen.depth, "verdict": seen.verdict.value, "incident_severity": key},
    )


def run_monitor(
    session: Session, config: Config, monitor: QueueMonitor, metrics: SeriesSource, now: datetime
) -> list[SignalIn]:
    opened = open_alerts.open_identities(session, INTEGRATION, f"queue:{monitor.name}:")
    signals: list[SignalIn] = []
    for labels, seen in verdicts(monitor, metrics, now).items():
        key = identity(monitor, labels)
        if seen.not_draining and key not in opened:
            signals.append(trigger(config, monitor, labels, seen, now))
        elif not seen.not_draining and key in opened:
            signals.append(
                SignalIn(
                    action=SignalAction.RESOLVE,
                    identity=key,
                    ends_at=now,
                    labels={"queue_monitor": monitor.name},
                )
            )
    return signals


class QueueMonitors:
    """Worker stage: each queue monitor at most every its ``step`` of the stage's clock."""

    def __init__(self, metrics: MetricStore = no_metric_store) -> None:
        self.metrics = metrics
        self._last: dict[str, datetime] = {}

    def __call__(
        self, session_factory: sessionmaker[Session], live_config: LiveConfig, now: datetime
    ) -> int:
        config = live_config.current
        due = [
            m
            for m in config.queues
            if (last := self._last.get(m.name)) is None or not last <= now < last + m.step
        ]
        if not due:
            return 0
        store = self.metrics(config)
        written = 0
        with session_factory() as session:
            for monitor in due:
                self._last[monitor.name] = now
                if store is None:
                    log.warning("queue_not_evaluated", queue=monitor.name, reason="no store")
                    continue
                try:
                    signals = run_monitor(session, config, monitor, store, now)
                except SeriesUnavailable as exc:
                    log.warning("queue_not_evaluated", queue=monitor.name, reason=str(exc))
                    continue
                if signals:
                    persist(session, INTEGRATION, SourceKind.DETECT, signals, now)
                    written += len(signals)
            session.commit()
        return written
