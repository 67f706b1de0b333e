"""Config: a read-only view of the loaded configuration (teams, services, severities and
routing) with what ``warroom config check`` warns about it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from warroom.config import LiveConfig, config_warnings, format_duration, summary
from warroom.http.deps import ConfigDep, NowDep
from warroom.schedules.gaps import schedule_gap_warnings
from warroom.web import access
from warroom.web.routing import PageRoute
from warroom.web.templating import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/config")
def config_page(
    request: Request, config: ConfigDep, now: NowDep, _caller: access.ReaderPage
) -> Response:
    live: LiveConfig = request.app.state.live_config
    return render(
        request,
        "config/page.html",
        {
            "config": config,
            "path": str(live.path) if live.path else None,
            "generation": live.generation,
            "loaded_at": live.loaded_at,
            "summary": summary(config),
            "warnings": config_warnings(config) + schedule_gap_warnings(config, now),
            "severity_map": config.effective_severity_map,
            "severity_map_default": config.severity_map is None,
            "fmt": format_duration,
        },
    )
