"""The game days page: the drill scenarios (with a Run button for responders), recent runs
with their measures, and each team's scorecard by week."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import RedirectResponse, Response

from warroom.auth.permissions import Permission
from warroom.http.deps import ConfigDep, SessionDep
from warroom.learn.drills import scorecard, service, views
from warroom.learn.drills.api import runner_for
from warroom.learn.drills.models import RunTrigger
from warroom.web import access
from warroom.web.routing import PageRoute
from warroom.web.templating import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)
RECENT_RUNS = 50


def seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f} s"


@router.get("/drills")
def drills_page(
    request: Request,
    session: SessionDep,
    config: ConfigDep,
    caller: access.ReaderPage,
    team: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    scenarios = [
        views.scenario_out(config, s) for s in config.drills.scenarios if not team or s.team == team
    ]
    runs = views.runs_out(session, service.runs(session, team or None, limit=RECENT_RUNS))
    cards = [views.scorecard_out(card) for card in scorecard.scorecards(session, team or None)]
    return render(
        request,
        "drills/page.html",
        {
            "scenarios": scenarios,
            "runs": runs,
            "cards": cards,
            "team": team,
            "teams": [t.slug for t in config.teams],
            "seconds": seconds,
            "can_run": caller.may(Permission.RESPOND),
        },
    )


@router.post("/drills/{name}/run")
async def run_drill(
    name: Annotated[str, Path(min_length=1, max_length=64)],
    request: Request,
    caller: access.ResponderAction,
) -> Response:
    runner = runner_for(request)
    run_id = await runner.run(name, RunTrigger.MANUAL, caller.user.username, principal=caller)
    return RedirectResponse(f"/drills#run-{run_id}", status_code=303)
