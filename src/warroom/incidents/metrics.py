"""The incidents gauge of ``/metrics``: incidents by status and severity."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warroom.incidents.models import Incident


class IncidentCollector(Collector):
    """Counts incidents at scrape time, so every process reports the same truth."""

    def __init__(self, session_factory: Callable[[], Session]) -> None:
        self._session_factory = session_factory

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "warroom_incidents", "Incidents by status and severity", labels=["status", "severity"]
        )
        with self._session_factory() as session:
            stmt = select(Incident.status, Incident.severity, func.count()).group_by(
                Incident.status, Incident.severity
            )
            for status, severity, count in session.execute(stmt):
                family.add_metric([status.value, severity], count)
        yield family
