"""The worker stage that runs each capacity forecast every ``every`` of its own, through
the metric store, and raises or resolves its signals."""

from __future__ import annotations

from datetime import datetime

import structlog
from sqlalchemy.orm import Session, sessionmaker

from warroom.config import Config, LiveConfig
from warroom.config.forecasts import Forecast
from warroom.detect import open_alerts
from warroom.detect.forecast import alerts
from warroom.detect.forecast.model import Direction, crossing, fit
from warroom.detect.series import SeriesSource, SeriesUnavailable
from warroom.detect.slo.evaluator import MetricStore, no_metric_store
from warroom.ingest.signal import SignalIn, persist

log = structlog.get_logger(__name__)


def open_identities(session: Session, forecast: Forecast) -> set[str]:
    return open_alerts.open_identities(session, alerts.INTEGRATION, f"forecast:{forecast.name}:")


def run_forecast(
    session: Session, config: Config, forecast: Forecast, metrics: SeriesSource, now: datetime
) -> list[SignalIn]:
    """Fit every series of ``forecast`` and the signals of what changed (a series gone from
    the store keeps its alert until it comes back below the horizon)."""
    end = now.timestamp()
    start = end - forecast.history.total_seconds()
    found = metrics.query_range(forecast.query, start, end, forecast.step.total_seconds())
    opened = open_identities(session, forecast)
    signals: list[SignalIn] = []
    for series in found:
        model = fit([(s.at, s.value) for s in series.samples])
        if model is None:
            continue
        when = crossing(
            model, forecast.limit, forecast.horizon.total_seconds(), Direction(forecast.direction)
        )
        key = alerts.identity(forecast, series.labels)
        if alerts.within(when, forecast.horizon):
            if key not in opened:
                signals.append(alerts.trigger(config, forecast, series.labels, model, when, now))
        elif key in opened:
            signals.append(alerts.resolve(forecast, series.labels, now))
    return signals


class ForecastEvaluator:
    """Worker stage: each forecast at most every its ``every`` of the stage's clock."""

    def __init__(self, metrics: MetricStore = no_metric_store) -> None:
        self.metrics = metrics
        self._last: dict[str, datetime] = {}

    def __call__(
        self, session_factory: sessionmaker[Session], live_config: LiveConfig, now: datetime
    ) -> int:
        config = live_config.current
        due = [
            f
            for f in config.forecasts
            if (last := self._last.get(f.name)) is None or not last <= now < last + f.every
        ]
        if not due:
            return 0
        store = self.metrics(config)
        written = 0
        with session_factory() as session:
            for forecast in due:
                self._last[forecast.name] = now
                if store is None:
                    log.warning("forecast_not_evaluated", forecast=forecast.name, reason="no store")
                    continue
                try:
                    signals = run_forecast(session, config, forecast, store, now)
                except SeriesUnavailable as exc:
                    log.warning("forecast_not_evaluated", forecast=forecast.name, reason=str(exc))
                    continue
                if signals:
                    persist(session, alerts.INTEGRATION, alerts.SOURCE, signals, now)
                    written += len(signals)
            session.commit()
        return written
