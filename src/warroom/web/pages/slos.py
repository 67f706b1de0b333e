"""The SLO pages: every SLO's error budget and burn (``/slos``) and one SLO with its rules
and charts of budget remaining and 1-hour burn rate over its window (``/slos/{name}``),
drawn by the vendored uPlot (static/slos.js) from JSON blocks."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from warroom.config import format_duration
from warroom.detect.slo.report import SloReport, metric_store, report
from warroom.http.deps import ConfigDep, NowDep, SessionDep
from warroom.problems import NotFound
from warroom.web import access
from warroom.web.routing import PageRoute
from warroom.web.templating import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)
CHART_POINTS = 180


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def rate(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _chart(found: SloReport) -> dict[str, Any]:
    """uPlot's data: epoch seconds, budget remaining in percent, 1h burn rate."""
    points = found.series
    return {
        "x": [int(p.at.timestamp()) for p in points],
        "budget": [
            None if p.budget_remaining is None else round(p.budget_remaining * 100, 2)
            for p in points
        ],
        "burn": [None if p.burn_1h is None else round(p.burn_1h, 3) for p in points],
    }


@router.get("/slos")
def slos_page(
    request: Request,
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    caller: access.ReaderPage,
) -> Response:
    metrics = metric_store(request.app.state, config)
    reports = [report(session, config, slo, metrics, now) for slo in config.slos]
    context = {"reports": reports, "percent": percent, "rate": rate, "fmt_window": format_duration}
    return render(request, "slos/list.html", context)


@router.get("/slos/{name}")
def slo_page(
    name: str,
    request: Request,
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    caller: access.ReaderPage,
) -> Response:
    slo = config.slo(name)
    if slo is None:
        raise NotFound(f"SLO '{name}' is not in the config", field="name")
    metrics = metric_store(request.app.state, config)
    found = report(session, config, slo, metrics, now, slo.window, CHART_POINTS)
    context = {
        "report": found,
        "chart": _chart(found) if found.series else None,
        "percent": percent,
        "rate": rate,
        "fmt_window": format_duration,
    }
    return render(request, "slos/page.html", context)
