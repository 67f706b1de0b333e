"""Evaluating a monitor: read its query's new steps, feed each series' detector, and raise
or resolve a signal (identity ``monitor``) when a series leaves or re-enters its band.

The first evaluation reads ``history`` to warm the detectors up; later ones read only the
steps since the last. Detector state is kept per monitor and series (at most
``max_series``). Only the latest step can raise: history never pages. Outside the owning
team's working hours a ``working_hours_only`` monitor raises nothing (the series' state
still advances, and a detection still open then is resolved as usual).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.config import AnomalyMonitor, Config, MonitorSource, ResponseWindow
from warroom.detect.metrics.models import MonitorState, MonitorTuning
from warroom.detect.metrics.store import fingerprint
from warroom.detect.monitors.detector import Detection, Detector, make_detector
from warroom.detect.series import Series, SeriesSource
from warroom.detect.sources.prometheus import BasicAuth, BearerAuth, PrometheusSource
from warroom.ingest.models import SignalAction, SourceKind
from warroom.ingest.signal import SignalIn, persist

INTEGRATION = "warroom-monitors"
SourceFor = Callable[[Config, AnomalyMonitor], SeriesSource]


def prometheus_source(config: Config) -> PrometheusSource:
    settings = config.metrics.prometheus
    if settings is None:
        raise ValueError("metrics.prometheus is not configured")
    auth: BearerAuth | BasicAuth | None = None
    if settings.bearer_token_env:
        auth = BearerAuth(os.environ.get(settings.bearer_token_env, ""))
    elif settings.basic_auth is not None:
        basic = settings.basic_auth
        auth = BasicAuth(basic.username, os.environ.get(basic.password_env, ""))
    return PrometheusSource(settings.url, auth, settings.timeout.total_seconds())


def sensitivity(session: Session, monitor: AnomalyMonitor) -> float:
    """The configured sensitivity, or what responders' feedback adapted it to."""
    tuning = session.get(MonitorTuning, monitor.name)
    if tuning is None:
        return monitor.sensitivity
    return min(monitor.sensitivity_max, max(monitor.sensitivity_min, tuning.sensitivity))


def owning_team(config: Config, monitor: AnomalyMonitor) -> str | None:
    if monitor.team is not None:
        return monitor.team
    service = config.service(monitor.service or "")
    return service.team if service is not None else None


def in_working_hours(config: Config, monitor: AnomalyMonitor, now: datetime) -> bool:
    team = config.team(owning_team(config, monitor) or "")
    return team is None or team.responds_at(ResponseWindow.WORKING_HOURS, now)


def aligned_end(now: datetime, step: float) -> float:
    return math.floor(now.timestamp() / step) * step


@dataclass
class Outcome:
    """What one evaluation did, for the stage's count and for tests."""

    points: int = 0
    raised: list[str] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)


def evaluate(
    session: Session,
    config: Config,
    monitor: AnomalyMonitor,
    source: SeriesSource,
    now: datetime,
    public_url: str,
) -> Outcome:
    step = monitor.step.total_seconds()
    end = aligned_end(now, step)
    rows = {
        row.fingerprint: row
        for row in session.scalars(select(MonitorState).where(MonitorState.monitor == monitor.name))
    }
    start = (
        min(row.last_at for row in rows.values()) + step
        if rows
        else end - monitor.history.total_seconds()
    )
    outcome = Outcome()
    if start > end:
        return outcome
    found = sorted(source.query_range(monitor.query, start, end, step), key=lambda s: s.labels)
    level = sensitivity(session, monitor)
    may_raise = not monitor.working_hours_only or in_working_hours(config, monitor, now)
    for series in found:
        print_ = fingerprint(dict(series.labels))
        row = rows.get(print_)
        if row is None:
            if len(rows) >= monitor.max_series:
                continue
            row = MonitorState(
                monitor=monitor.name,
                fingerprint=print_,
                labels=dict(series.labels),
                state={},
                last_at=-math.inf,
                anomalous=False,
                updated_at=now,
            )
            session.add(row)
            rows[print_] = row
        detector = make_detector(monitor.kind, level)
        if row.state:
            detector.restore(row.state)
        latest = _feed(detector, series, row.last_at)
        if latest is None:
            continue
        outcome.points += 1
        row.state, row.last_at, row.updated_at = detector.state(), latest.at, now
        recent = latest.at >= end - step
        if latest.anomalous and not row.anomalous and recent and may_raise:
            row.anomalous = True
            signal = detection_signal(config, monitor, series, latest, public_url)
            persist(session, INTEGRATION, SourceKind.MONITOR, [signal], now)
            outcome.raised.append(print_)
        elif row.anomalous and not latest.anomalous:
            row.anomalous = False
            signal = detection_signal(config, monitor, series, latest, public_url)
            signal.action = SignalAction.RESOLVE
            persist(session, INTEGRATION, SourceKind.MONITOR, [signal], now)
            outcome.resolved.append(print_)
    return outcome


def _feed(detector: Detector, series: Series, after: float) -> Detection | None:
    latest = None
    for sample in series.samples:
        if sample.at > after:
            latest = detector.update(sample.at, sample.value)
    return latest


def _number(value: float) -> str:
    return f"{value:.4g}"


def severity_label(config: Config, severity: str) -> str:
    """An alert severity label that maps to the incident severity ``severity``."""
    for label, key in config.effective_severity_map.items():
        if key == severity:
            return label
    return severity.lower()


def detection_signal(
    config: Config,
    monitor: AnomalyMonitor,
    series: Series,
    detection: Detection,
    public_url: str,
) -> SignalIn:
    labels = {k: v for k, v in series.labels}
    print_ = fingerprint(labels)
    shown = ", ".join(f'{k}="{v}"' for k, v in series.labels) or "(no labels)"
    label = severity_label(config, monitor.severity)
    team = owning_team(config, monitor)
    base = public_url.rstrip("/")
    monitor_url = f"{base}/api/v1/monitors/{quote(monitor.name)}"
    chart_url = f"{monitor_url}/chart.svg?series={print_}"
    explanation = (
        f"observed {_number(detection.observed)}, expected "
        f"{_number(detection.expected_low)} to {_number(detection.expected_high)} "
        f"({detection.unusualness:.1f} band half-widths outside)"
    )
    return SignalIn(
        action=SignalAction.TRIGGER,
        identity=f"monitor:{monitor.name}:{print_}",
        title=f"{monitor.name}: {shown} is unusual",
        description=f"Monitor {monitor.name} ({monitor.query}) on {shown}: {explanation}.",
        severity=label,
        labels={
            **{k: v for k, v in labels.items() if k != "__name__"},
            "alertname": f"Monitor {monitor.name}",
            "monitor": monitor.name,
            "severity": label,
            **({"team": team} if team else {}),
            **({"service": monitor.service} if monitor.service else {}),
        },
        annotations={
            "summary": explanation,
            "expected_low": _number(detection.expected_low),
            "expected_high": _number(detection.expected_high),
            "observed": _number(detection.observed),
            "unusualness": f"{detection.unusualness:.2f}",
            "chart_url": chart_url,
            "monitor_url": monitor_url,
        },
        links=[
            {"href": chart_url, "text": "Chart of the series and its band"},
            {"href": monitor_url, "text": f"Monitor {monitor.name}"},
        ],
        team=team,
        service=monitor.service,
        details={"monitor": monitor.name, "series": print_, "at": detection.at},
    )


def source_for(config: Config, monitor: AnomalyMonitor, embedded: SeriesSource) -> SeriesSource:
    if monitor.source is MonitorSource.PROMETHEUS:
        return prometheus_source(config)
    return embedded
