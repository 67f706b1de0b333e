"""Pages for monitor detections: the chart on an alert page, and the "not useful" button."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query
from starlette.responses import RedirectResponse, Response

from warroom.alerts import service
from warroom.config import AnomalyMonitor, Config
from warroom.detect.monitors import chart, feedback
from warroom.detect.monitors.evaluate import opened_source, sensitivity
from warroom.detect.series import SeriesUnavailable
from warroom.http.deps import ConfigDep, NowDep, SessionDep
from warroom.http.inputs import MAX_INT
from warroom.problems import NotFound
from warroom.web import access
from warroom.web.routing import PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def _monitor(config: Config, name: str) -> AnomalyMonitor:
    for monitor in config.monitors:
        if monitor.name == name:
            return monitor
    raise NotFound(f"no monitor {name!r}", field="name")


@router.get("/monitors/{name}/chart.svg")
def chart_image(
    name: str,
    series: Annotated[str, Query(max_length=64)],
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    _caller: access.ReaderPage,
) -> Response:
    monitor = _monitor(config, name)
    try:
        with opened_source(config, monitor, session) as source:
            svg = chart.monitor_chart(
                monitor, source, sensitivity(session, monitor), series, now.timestamp()
            )
    except SeriesUnavailable:
        svg = None
    if svg is None:
        svg = chart.render_svg(f"{monitor.name}: no data", [])
    return Response(svg, media_type="image/svg+xml")


@router.post("/monitors/{name}/not-useful")
def not_useful(
    name: str,
    alert_id: Annotated[int, Form(ge=1, le=MAX_INT)],
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    _caller: access.ResponderAction,
) -> Response:
    monitor = _monitor(config, name)
    service.get(session, alert_id)  # 404 for an unknown alert
    feedback.mark_not_useful(session, monitor, now)
    session.commit()
    return RedirectResponse(f"/alerts/{alert_id}?marked=not-useful", status_code=303)
