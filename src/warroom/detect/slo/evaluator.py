"""The worker stage that evaluates every SLO once a minute and raises or resolves its
burn-rate alerts through intake."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import structlog
from sqlalchemy.orm import Session, sessionmaker

from warroom.config import Config, LiveConfig
from warroom.detect.series import SeriesSource, SeriesUnavailable
from warroom.detect.slo import alerts
from warroom.detect.slo.indicators import NoMetricStore, error_ratio
from warroom.detect.slo.status import SloStatus, evaluate
from warroom.ingest.signal import SignalIn, persist

EVALUATE_EVERY = timedelta(minutes=1)
log = structlog.get_logger(__name__)

MetricStore = Callable[[Config], SeriesSource | None]
"""The metric store PromQL SLOs read (None: none configured)."""


def no_metric_store(_config: Config) -> None:
    return None


def evaluate_all(
    session: Session, config: Config, metrics: SeriesSource | None, now: datetime
) -> list[SloStatus]:
    """Evaluate every SLO at ``now`` and write the signals of what changed (not committed).
    An SLO whose store is unavailable is skipped this time and logged."""
    found = []
    for slo in config.slos:
        try:
            status = evaluate(slo, error_ratio(session, config, slo, metrics), now)
        except (NoMetricStore, SeriesUnavailable) as exc:
            log.warning("slo_not_evaluated", slo=slo.name, reason=str(exc))
            continue
        opened = alerts.open_identities(session, slo)
        signals: list[SignalIn] = []
        for state in status.rules:
            key = alerts.identity(slo, state)
            if state.firing and key not in opened:
                signals.append(alerts.trigger(config, status, state, now))
            elif not state.firing and key in opened:
                signals.append(alerts.resolve(slo, state, now))
        if signals:
            persist(session, alerts.INTEGRATION, alerts.SOURCE, signals, now)
        found.append(status)
    return found


class SloEvaluator:
    """Worker stage: :func:`evaluate_all` at most every ``every`` of the stage's clock."""

    def __init__(
        self, metrics: MetricStore = no_metric_store, every: timedelta = EVALUATE_EVERY
    ) -> None:
        self.metrics = metrics
        self.every = every
        self._last: datetime | None = None

    def __call__(
        self, session_factory: sessionmaker[Session], live_config: LiveConfig, now: datetime
    ) -> int:
        config = live_config.current
        last = self._last
        if not config.slos or (last is not None and last <= now < last + self.every):
            return 0
        with session_factory() as session:
            statuses = evaluate_all(session, config, self.metrics(config), now)
            written = len(session.new)
            session.commit()
        self._last = now
        return written if statuses else 0
