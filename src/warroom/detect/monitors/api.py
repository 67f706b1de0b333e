"""Routes: ``/api/v1/monitors/…`` — list, show, backtest, chart, and "not useful" feedback."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from warroom.config import AnomalyMonitor, Config
from warroom.detect.metrics.embedded import EmbeddedSource
from warroom.detect.metrics.models import MonitorState, MonitorTuning
from warroom.detect.monitors import backtest, chart, feedback
from warroom.detect.monitors.evaluate import sensitivity, source_for
from warroom.detect.series import SeriesUnavailable
from warroom.http.deps import ConfigDep, NowDep, ReaderDep, SessionDep, WriterDep
from warroom.problems import InvalidInput, NotFound

router = APIRouter(prefix="/api/v1/monitors", tags=["monitors"])
CHART_STEPS = 120


def _monitor(config: Config, name: str) -> AnomalyMonitor:
    for monitor in config.monitors:
        if monitor.name == name:
            return monitor
    raise NotFound(f"no monitor {name!r}", field="name")


def _summary(session: SessionDep, monitor: AnomalyMonitor) -> dict[str, Any]:
    tuning = session.get(MonitorTuning, monitor.name)
    states = list(session.scalars(select(MonitorState).where(MonitorState.monitor == monitor.name)))
    return {
        "name": monitor.name,
        "kind": monitor.kind,
        "source": monitor.source.value,
        "query": monitor.query,
        "step_seconds": monitor.step.total_seconds(),
        "team": monitor.team,
        "service": monitor.service,
        "severity": monitor.severity,
        "working_hours_only": monitor.working_hours_only,
        "configured_sensitivity": monitor.sensitivity,
        "sensitivity": sensitivity(session, monitor),
        "not_useful": tuning.not_useful if tuning else 0,
        "series": len(states),
        "anomalous": sum(1 for s in states if s.anomalous),
    }


@router.get("")
def list_monitors(session: SessionDep, config: ConfigDep, _user: ReaderDep) -> dict[str, Any]:
    return {"items": [_summary(session, m) for m in config.monitors]}


@router.get("/{name}")
def show_monitor(
    name: str, session: SessionDep, config: ConfigDep, _user: ReaderDep
) -> dict[str, Any]:
    monitor = _monitor(config, name)
    states = session.scalars(
        select(MonitorState)
        .where(MonitorState.monitor == monitor.name)
        .order_by(MonitorState.fingerprint)
    )
    return {
        **_summary(session, monitor),
        "states": [
            {
                "series": s.fingerprint,
                "labels": s.labels,
                "last_at": s.last_at,
                "anomalous": s.anomalous,
            }
            for s in states
        ],
    }


Seconds = Annotated[float | None, Query(description="Unix seconds.")]


def _window(
    monitor: AnomalyMonitor, start: float | None, end: float | None, now: float
) -> tuple[float, float]:
    end = now if end is None else end
    start = end - monitor.history.total_seconds() if start is None else start
    if start >= end:
        raise InvalidInput("from must be before to", field="from")
    if (end - start) / monitor.step.total_seconds() > 11_000:
        raise InvalidInput("at most 11000 steps of the monitor; narrow from..to", field="from")
    return start, end


@router.get("/{name}/test")
def test_monitor(
    name: str,
    request: Request,
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    _user: ReaderDep,
    start: Annotated[Seconds, Query(alias="from")] = None,
    end: Annotated[Seconds, Query(alias="to")] = None,
) -> dict[str, Any]:
    """Backtest: what the monitor would have raised over [from, to], and when."""
    monitor = _monitor(config, name)
    start, end = _window(monitor, start, end, now.timestamp())
    source = source_for(config, monitor, _embedded(request))
    try:
        replays = backtest.replay(monitor, source, start, end, sensitivity(session, monitor))
    except SeriesUnavailable as error:
        raise InvalidInput(str(error), field="query") from None
    return {
        "monitor": monitor.name,
        "from": start,
        "to": end,
        "series": [
            {
                "series": r.fingerprint,
                "labels": dict(r.labels),
                "points": len(r.detections),
                "firings": [
                    {
                        "at": d.at,
                        "observed": d.observed,
                        "expected_low": d.expected_low,
                        "expected_high": d.expected_high,
                        "unusualness": d.unusualness,
                    }
                    for d in r.firings()
                ],
            }
            for r in replays
        ],
    }


@router.get("/{name}/chart.svg", response_class=Response)
def monitor_chart(
    name: str,
    request: Request,
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    _user: ReaderDep,
    series: Annotated[str, Query(description="The series' fingerprint.")],
    end: Annotated[Seconds, Query(alias="to")] = None,
) -> Response:
    """The series and its expected band over the last 120 steps before ``to`` (SVG)."""
    monitor = _monitor(config, name)
    step = monitor.step.total_seconds()
    end = now.timestamp() if end is None else end
    warm = monitor.history.total_seconds()
    source = source_for(config, monitor, _embedded(request))
    try:
        replays = backtest.replay(
            monitor,
            source,
            end - CHART_STEPS * step - warm,
            end,
            sensitivity(session, monitor),
            series=series,
        )
    except SeriesUnavailable as error:
        raise InvalidInput(str(error), field="query") from None
    if not replays:
        raise NotFound("no such series of this monitor in the window", field="series")
    shown = [d for d in replays[0].detections if d.at >= end - CHART_STEPS * step]
    labels = ", ".join(f'{k}="{v}"' for k, v in replays[0].labels)
    svg = chart.render_svg(f"{monitor.name}: {labels}", shown)
    return Response(svg, media_type="image/svg+xml")


@router.post("/{name}/not-useful")
def not_useful(
    name: str, session: SessionDep, config: ConfigDep, now: NowDep, _user: WriterDep
) -> dict[str, Any]:
    """A responder found a detection of this monitor not useful: lower its sensitivity."""
    monitor = _monitor(config, name)
    tuning = feedback.mark_not_useful(session, monitor, now)
    session.commit()
    return {
        "monitor": monitor.name,
        "sensitivity": tuning.sensitivity,
        "not_useful": tuning.not_useful,
    }


def _embedded(request: Request) -> EmbeddedSource:
    return EmbeddedSource(request.app.state.session_factory)
