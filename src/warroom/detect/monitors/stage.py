"""The worker stage running every configured monitor on its step."""

from __future__ import annotations

from datetime import datetime, timedelta

import structlog
from sqlalchemy.orm import Session, sessionmaker

from warroom.config import Config, LiveConfig
from warroom.detect.metrics.embedded import EmbeddedSource
from warroom.detect.monitors.evaluate import evaluate, prometheus_source, source_for
from warroom.detect.series import SeriesUnavailable
from warroom.detect.sources.prometheus import PrometheusSource

log = structlog.get_logger(__name__)


class MonitorRunner:
    """Evaluates each monitor when its step has passed since its last run (and at once
    after a configuration reload); returns the series points processed."""

    def __init__(self, public_url: str) -> None:
        self.public_url = public_url
        self._last: dict[str, datetime] = {}
        self._generation: int | None = None
        self._prometheus: PrometheusSource | None = None

    def _prometheus_for(self, config: Config) -> PrometheusSource:
        if self._prometheus is None:
            self._prometheus = prometheus_source(config)
        return self._prometheus

    def close(self) -> None:
        if self._prometheus is not None:
            self._prometheus.close()
            self._prometheus = None

    def __call__(
        self, session_factory: sessionmaker[Session], live_config: LiveConfig, now: datetime
    ) -> int:
        config = live_config.current
        if live_config.generation != self._generation:
            self._last.clear()
            self.close()
            self._generation = live_config.generation
        embedded = EmbeddedSource(session_factory)
        done = 0
        for monitor in config.monitors:
            last = self._last.get(monitor.name)
            if last is not None and last <= now < last + monitor.step:
                continue
            self._last[monitor.name] = now
            try:
                outcome = evaluate(
                    session_factory,
                    config,
                    monitor,
                    source_for(monitor, embedded, lambda: self._prometheus_for(config)),
                    now,
                    self.public_url,
                )
            except SeriesUnavailable as error:
                log.warning("monitor_unavailable", monitor=monitor.name, error=str(error))
                self._last[monitor.name] = (
                    now - monitor.step + min(monitor.step, timedelta(seconds=30))
                )
                continue
            done += outcome.points
        return done
