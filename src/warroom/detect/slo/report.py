"""What the API, CLI and web page show of an SLO: its status now and, for one SLO, the
error budget remaining and burn rate over time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from warroom.config import Config
from warroom.config.slos import Slo
from warroom.detect.ownership import owning_team
from warroom.detect.series import SeriesSource, SeriesUnavailable
from warroom.detect.slo.indicators import NoMetricStore, error_ratio
from warroom.detect.slo.status import BudgetPoint, SloStatus, budget_series, evaluate


@dataclass(frozen=True, slots=True)
class SloReport:
    slo: Slo
    team: str | None
    status: SloStatus | None
    unavailable: str | None = None
    """Why the SLO could not be evaluated (no metric store, store down)."""
    series: tuple[BudgetPoint, ...] = ()


def metric_store(app_state: object, config: Config) -> SeriesSource | None:
    """The metric store PromQL SLOs read, from the app's ``state.metric_store`` (a
    :data:`warroom.detect.slo.evaluator.MetricStore`; none configured without it)."""
    store = getattr(app_state, "metric_store", None)
    found: SeriesSource | None = store(config) if store is not None else None
    return found


def report(
    session: Session,
    config: Config,
    slo: Slo,
    metrics: SeriesSource | None,
    now: datetime,
    span: timedelta | None = None,
    points: int = 120,
) -> SloReport:
    """The status of ``slo`` at ``now``; with ``span``, the series over it too."""
    team = owning_team(config, slo.team, slo.service)
    try:
        ratios = error_ratio(session, config, slo, metrics)
        status = evaluate(slo, ratios, now)
        series = tuple(budget_series(slo, ratios, now, span, points)) if span else ()
    except (NoMetricStore, SeriesUnavailable) as exc:
        return SloReport(slo, team, None, str(exc) or type(exc).__name__)
    return SloReport(slo, team, status, None, series)
