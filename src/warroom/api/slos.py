"""Routes: ``/api/v1/slos`` (anyone who may read): error budget and burn of each SLO."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request

from warroom.api.slo_schemas import SloOut
from warroom.config import Config
from warroom.detect.series import SeriesSource
from warroom.detect.slo.evaluator import no_metric_store
from warroom.detect.slo.report import report
from warroom.http.deps import ConfigDep, NowDep, ReaderDep, SessionDep
from warroom.problems import NotFound

router = APIRouter(prefix="/api/v1/slos", tags=["slos"])

MAX_POINTS = 500


def metric_store(request: Request, config: Config) -> SeriesSource | None:
    """The metric store PromQL SLOs read (``app.state.metric_store``, set by the app)."""
    store = getattr(request.app.state, "metric_store", no_metric_store)
    found: SeriesSource | None = store(config)
    return found


@router.get("", response_model=list[SloOut])
def list_slos(
    request: Request, session: SessionDep, config: ConfigDep, now: NowDep, _user: ReaderDep
) -> list[SloOut]:
    metrics = metric_store(request, config)
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
    metrics = metric_store(request, config)
    return SloOut.of(report(session, config, slo, metrics, now, span, points), now)
