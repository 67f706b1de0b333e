"""The worker: runs the signal pipeline and due jobs until told to stop.

``warroom serve`` runs the pipeline and the jobs in a worker process of its own and the
outbox on a thread beside the API (docs/decisions/0011-worker-process.md), or everything on
threads beside the API (``--worker-thread``); ``warroom worker`` runs it alone (several of
them on PostgreSQL). Stages given as ``own_thread`` (the outbox sender) run on a thread of
their own once started, so a round of sends never holds back the pipeline and a new delivery
does not wait for the pipeline's round to end; ``drain`` (tests, shutdown) still runs
everything in turn on the caller's thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime

import structlog
from sqlalchemy.orm import Session, sessionmaker

from warroom.config import LiveConfig
from warroom.db.outage import Outage, is_unavailable
from warroom.jobs.doorbell import OUTBOX, READY, WORK, Doorbell
from warroom.jobs.queue import JobHandler, run_one

log = structlog.get_logger("warroom.worker")

Stage = Callable[[sessionmaker[Session], LiveConfig, datetime], int]
"""A unit of background work; returns how much it did (0 = idle)."""

MAX_JOBS_PER_ROUND = 100
MAX_BACKOFF_SECONDS = 5.0
"""Longest wait between two rounds while the database is away (the first waits
``poll_seconds``, each failure after doubles it): a restarted database is used again within
this long."""


class Worker:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        live_config: LiveConfig,
        clock: Callable[[], datetime],
        handlers: dict[str, JobHandler],
        stages: list[Stage],
        poll_seconds: float = 0.5,
        own_thread: list[Stage] | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.live_config = live_config
        self.clock = clock
        self.handlers = handlers
        self.stages = stages
        self.own_thread = list(own_thread or [])
        self.poll_seconds = poll_seconds
        self._wake = threading.Event()
        self._wake_own = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._started = False
        self._runs_pipeline = True
        self._runs_outbox = True
        self.doorbell: Doorbell | None = None
        """To the other process running the parts this one does not (``connect``)."""

    def run_jobs(self) -> int:
        done = 0
        while done < MAX_JOBS_PER_ROUND:
            with self.session_factory() as session:
                if not run_one(session, self.handlers, self.live_config.current, self.clock()):
                    break
            done += 1
        return done

    def run_stage(self, stage: Stage) -> int:
        return stage(self.session_factory, self.live_config, self.clock())

    def run_once(self) -> int:
        done = 0
        stages = self.stages if self._started else self.stages + self.own_thread
        for stage in stages:
            done += self.run_stage(stage)
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
        """Something is due now for the pipeline or the jobs. (Ingest calls it for every
        request: a set event is left alone, setting it costs a condition's lock and notify.)"""
        if not self._wake.is_set():
            self._wake.set()
        if self.doorbell is not None and not self._runs_pipeline:
            self.doorbell.ring(WORK)

    def wake_own_threads(self) -> None:
        """Something is due now for the stages on their own threads (a new delivery)."""
        self._wake_own.set()
        if self.doorbell is not None and not self._runs_outbox:
            self.doorbell.ring(OUTBOX)

    def connect(
        self,
        doorbell: Doorbell,
        on_hangup: Callable[[], None],
        on_ready: Callable[[], None] | None = None,
    ) -> None:
        """Wakes go through ``doorbell`` to the process that runs the parts this one does
        not run, and its rings wake this one's loops (``on_ready``: the other process says
        its loops run)."""
        self.doorbell = doorbell

        def on_ring(what: bytes) -> None:
            if what == READY:
                if on_ready is not None:
                    on_ready()
                return
            (self._wake_own if what == OUTBOX else self._wake).set()

        doorbell.listen(on_ring, on_hangup)

    def _loop(self, name: str, round_: Callable[[], int], wake: threading.Event) -> None:
        """Rounds until stopped. While the database is away a round fails at once: the
        loop logs it once (``database_unavailable``), waits longer after each failure (up
        to ``MAX_BACKOFF_SECONDS``; a wake does not cut the wait short) and goes on by
        itself when the database is back (``database_available``). A claimed job or
        delivery whose transaction failed was rolled back and is claimed again then."""
        log.info("worker_started", loop=name)
        outage = Outage(name)
        backoff = 0.0
        while not self._stop.is_set():
            # Cleared before the round: a wake during the round means another round.
            wake.clear()
            try:
                busy = round_() > 0
            except Exception as exc:
                busy = False
                if is_unavailable(exc):
                    outage.failed(exc)
                    backoff = min(max(backoff * 2, self.poll_seconds), MAX_BACKOFF_SECONDS)
                    self._stop.wait(backoff)
                    continue
                log.exception("worker_round_failed", loop=name)
            else:
                outage.succeeded()
                backoff = 0.0
            if not busy:
                wake.wait(self.poll_seconds)
        log.info("worker_stopped", loop=name)

    def _own_round(self) -> int:
        return sum(self.run_stage(stage) for stage in self.own_thread)

    def start(self, *, pipeline: bool = True, outbox: bool = True) -> None:
        """Starts the loops: ``pipeline`` (the stages and the jobs) and ``outbox`` (the
        ``own_thread`` stages); the parts left out run in another process."""
        self._started = True
        self._runs_pipeline, self._runs_outbox = pipeline, outbox
        loops: list[tuple[str, Callable[[], int], threading.Event]] = []
        if pipeline:
            loops.append(("warroom-worker", self.run_once, self._wake))
        if outbox and self.own_thread:
            loops.append(("warroom-outbox", self._own_round, self._wake_own))
        for name, round_, wake in loops:
            thread = threading.Thread(
                target=self._loop, args=(name, round_, wake), name=name, daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        self._wake.set()
        self._wake_own.set()
        for thread in self._threads:
            thread.join(timeout)
