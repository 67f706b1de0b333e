"""The worker: runs the signal pipeline and due jobs until told to stop.

``warroom serve`` runs one in a thread beside the API; ``warroom worker`` runs it alone
(several of them on PostgreSQL).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime

import structlog
from sqlalchemy.orm import Session, sessionmaker

from warroom.config import LiveConfig
from warroom.jobs.queue import JobHandler, run_one

log = structlog.get_logger("warroom.worker")

Stage = Callable[[sessionmaker[Session], LiveConfig, datetime], int]
"""A unit of background work; returns how much it did (0 = idle)."""

MAX_JOBS_PER_ROUND = 100


class Worker:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        live_config: LiveConfig,
        clock: Callable[[], datetime],
        handlers: dict[str, JobHandler],
        stages: list[Stage],
        poll_seconds: float = 0.5,
    ) -> None:
        self.session_factory = session_factory
        self.live_config = live_config
        self.clock = clock
        self.handlers = handlers
        self.stages = stages
        self.poll_seconds = poll_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_jobs(self) -> int:
        done = 0
        while done < MAX_JOBS_PER_ROUND:
            with self.session_factory() as session:
                if not run_one(session, self.handlers, self.live_config.current, self.clock()):
                    break
            done += 1
        return done

    def run_once(self) -> int:
        done = 0
        for stage in self.stages:
            done += stage(self.session_factory, self.live_config, self.clock())
        return done + self.run_jobs()

    def drain(self, max_rounds: int = 1000) -> int:
        """Run until idle (tests and shutdown)."""
        total = 0
        for _ in range(max_rounds):
            done = self.run_once()
            total += done
            if done == 0:
                break
        return total

    def wake(self) -> None:
        self._wake.set()

    def _loop(self) -> None:
        log.info("worker_started")
        while not self._stop.is_set():
            try:
                busy = self.run_once() > 0
            except Exception:
                log.exception("worker_round_failed")
                busy = False
            if not busy:
                self._wake.wait(self.poll_seconds)
                self._wake.clear()
        log.info("worker_stopped")

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="warroom-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
