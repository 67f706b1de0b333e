"""The worker stage running every configured monitor on its step."""

from __future__ import annotations

from datetime import datetime, timedelta

import structlog
from sqlalchemy.orm import Session, sessionmaker

from warroom.config import LiveConfig
from warroom.detect.metrics.embedded import EmbeddedSource
from warroom.detect.monitors.evaluate import evaluate, source_for
from warroom.detect.series import SeriesUnavailable

log = structlog.get_logger(__name__)


class MonitorRunner:
    """Evaluates each monitor when its step has passed since its last run (and at once
    after a configuration reload); returns the series points processed."""

    def __init__(self, public_url: str) -> None:
        self.public_url = public_url
        self._last: dict[str, datetime] = {}
        self._generation: int | None = None

    def __call__(
        self, session_factory: sessionmaker[Session], live_config: LiveConfig, now: datetime
    ) -> int:
        config = live_config.current
        if live_config.generation != self._generation:
            self._last.clear()
            self._generation = live_config.generation
        embedded = EmbeddedSource(session_factory)
        done = 0
        for monitor in config.monitors:
            last = self._last.get(monitor.name)
            if last is not None and last <= now < last + monitor.step:
                continue
            self._last[monitor.name] = now
            try:
                with session_factory() as session:
                    outcome = evaluate(
                        session,
                        config,
                        monitor,
                        source_for(config, monitor, embedded),
                        now,
                        self.public_url,
                    )
                    session.commit()
            except SeriesUnavailable as error:
                log.warning("monitor_unavailable", monitor=monitor.name, error=str(error))
                self._last[monitor.name] = (
                    now - monitor.step + min(monitor.step, timedelta(seconds=30))
                )
                continue
            done += outcome.points
        return done
