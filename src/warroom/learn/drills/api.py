"""REST routes of drills: /api/v1/drills (scenarios, runs, the scorecard)."""

from __future__ import annotations

from typing import Annotated

import httpx
from fastapi import APIRouter, FastAPI, Path, Query, Request, status

from warroom.http.deps import ConfigDep, PrincipalDep, SessionDep, UserDep, WriterDep
from warroom.http.inputs import MAX_INT
from warroom.incidents.service import check_team
from warroom.learn.drills import scorecard, service, views
from warroom.learn.drills.models import RunTrigger
from warroom.learn.drills.runner import DrillRunner
from warroom.learn.drills.schemas import RunOut, ScenarioOut, ScorecardOut

router = APIRouter(prefix="/api/v1/drills", tags=["drills"])
Name = Annotated[str, Path(min_length=1, max_length=64)]
RunId = Annotated[int, Path(ge=1, le=MAX_INT)]
MAX_RUNS = 500


def runner_of(app: FastAPI) -> DrillRunner:
    """Runs that send through this app's own intake (the whole ASGI app, in process)."""
    state = app.state
    return DrillRunner(
        state.session_factory,
        lambda: state.live_config.current,
        state.clock,
        httpx.ASGITransport(app=app),
        state.worker.wake,
    )


def runner_for(request: Request) -> DrillRunner:
    return runner_of(request.app)


@router.get("", response_model=list[ScenarioOut])
def list_scenarios(config: ConfigDep, _user: UserDep) -> list[ScenarioOut]:
    return [views.scenario_out(config, s) for s in config.drills.scenarios]


@router.post("/{name}/run", response_model=RunOut, status_code=status.HTTP_202_ACCEPTED)
async def run_drill(
    name: Name, request: Request, user: WriterDep, principal: PrincipalDep
) -> RunOut:
    """Inject the scenario through intake now; the run is scored when its incident resolves
    or after `drills.timeout`."""
    runner = runner_for(request)
    run_id = await runner.run(name, RunTrigger.MANUAL, user.username, principal=principal)
    with request.app.state.session_factory() as session:
        run = service.get_run(session, run_id)
        return views.runs_out(session, [run])[0]


@router.get("/runs", response_model=list[RunOut])
def list_runs(
    session: SessionDep,
    _user: UserDep,
    team: Annotated[str | None, Query(max_length=64)] = None,
    scenario: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_RUNS)] = 100,
) -> list[RunOut]:
    return views.runs_out(session, service.runs(session, team, scenario, limit))


@router.get("/runs/{run_id}", response_model=RunOut)
def get_run(run_id: RunId, session: SessionDep, _user: UserDep) -> RunOut:
    return views.runs_out(session, [service.get_run(session, run_id)])[0]


@router.get("/scorecard", response_model=ScorecardOut)
def get_scorecard(
    session: SessionDep,
    config: ConfigDep,
    _user: UserDep,
    team: Annotated[str | None, Query(max_length=64)] = None,
) -> ScorecardOut:
    """Each team's scored runs by ISO week, newest first."""
    if team is not None:
        check_team(config, team)
    cards = scorecard.scorecards(session, team)
    return ScorecardOut(teams=[views.scorecard_out(card) for card in cards])
