"""Routes: ``/api/v1/slos`` (anyone who may read): error budget and burn of each SLO."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request

from warroom.api.slo_schemas import SloOut
from warroom.detect.slo.report import metric_store, report
from warroom.http.deps import ConfigDep, NowDep, ReaderDep, SessionDep
from warroom.problems import NotFound

router = APIRouter(prefix="/api/v1/slos", tags=["slos"])

MAX_POINTS = 500


@router.get("", response_model=list[SloOut])
def list_slos(
    request: Request, session: SessionDep, config: ConfigDep, now: NowDep, _user: ReaderDep
) -> list[SloOut]:
    metrics = metric_store(request.app.state, config)
    return [SloOut.of(report(session, config, slo, metrics, now), now) for slo in config.slos]


@router.get("/{name}", response_model=SloOut)
def get_slo(
    name: str,
    request: Request,
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    _user: ReaderDep,
    points: Annotated[
        int, Query(ge=2, le=MAX_POINTS, description="Points of the budget/burn series.")
    ] = 120,
    days: Annotated[
        int | None, Query(ge=1, le=365, description="Span of the series; default the window.")
    ] = None,
) -> SloOut:
    slo = config.slo(name)
    if slo is None:
        raise NotFound(f"SLO '{name}' is not in the config", field="name")
    span = timedelta(days=days) if days is not None else slo.window
    metrics = metric_store(request.app.state, config)
    return SloOut.of(report(session, config, slo, metrics, now, span, points), now)
