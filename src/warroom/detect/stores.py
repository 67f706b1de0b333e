"""The metric store the SLO, forecast and queue stages read: the configured Prometheus
(``metrics.prometheus``) when there is one, else warroom's embedded store."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from warroom.config import Config
from warroom.config.monitors import PrometheusSettings
from warroom.detect.metrics.embedded import EmbeddedSource
from warroom.detect.monitors.evaluate import prometheus_source
from warroom.detect.series import SeriesSource
from warroom.detect.sources.prometheus import PrometheusSource


class ConfiguredStore:
    """A :data:`warroom.detect.slo.evaluator.MetricStore`: one Prometheus client kept while
    its settings stay the same (closed when they change), else the embedded store."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self.embedded = EmbeddedSource(session_factory)
        self._settings: PrometheusSettings | None = None
        self._client: PrometheusSource | None = None

    def __call__(self, config: Config) -> SeriesSource:
        settings = config.metrics.prometheus
        if settings is None:
            return self.embedded
        if self._client is None or settings != self._settings:
            if self._client is not None:
                self._client.close()
            self._client, self._settings = prometheus_source(config), settings
        return self._client
