"""The worker process of ``warroom serve``: started, woken, reloaded, restarted, stopped.

``warroom serve`` runs the signal pipeline and the jobs in a child ``warroom worker`` so that
they have an interpreter (and a core) of their own instead of sharing the API's: one Python
process runs one thread at a time, and the event loop, the ingest writer and the worker
passing that turn back and forth cost the worker a third of its speed under load
(docs/decisions/0011-worker-process.md). The outbox stays in the serving process (its
``warroom_notification_deliveries`` counters are served by ``/metrics`` there). The two
wake each other through a ``Doorbell``; the child exits when the parent goes away, however
it goes, and the parent starts a new child if the child dies.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import structlog

from warroom.db.engine import is_sqlite, sqlite_file
from warroom.jobs.doorbell import Doorbell
from warroom.jobs.worker import Worker
from warroom.settings import Settings

log = structlog.get_logger("warroom.serve")

RESTART_DELAY_SECONDS = 1.0
READY_SECONDS = 60.0
"""How long ``start`` waits for the worker process to say its loops run (imports, config)."""
STOP_SECONDS = 15.0
"""How long ``stop`` waits for the child to finish its round before killing it."""


def can_run_apart(database_url: str) -> bool:
    """A worker process needs a database another process can open and share the write lock
    of: PostgreSQL, or a SQLite file (not an in-memory or ``file:`` URI database)."""
    return not is_sqlite(database_url) or sqlite_file(database_url) is not None


class WorkerProcess:
    def __init__(self, settings: Settings, worker: Worker) -> None:
        self.settings = settings
        self.worker = worker
        self.process: subprocess.Popen[bytes] | None = None
        self._doorbell: Doorbell | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._monitor: threading.Thread | None = None
        self._ready = threading.Event()

    def command(self, fd: int) -> list[str]:
        return [sys.executable, "-m", "warroom.cli", "worker", "--doorbell-fd", str(fd)]

    def environment(self) -> dict[str, str]:
        """Settings go by environment (a database password stays out of ``ps``)."""
        return {
            **os.environ,
            "WARROOM_CONFIG": str(self.settings.config_path),
            "WARROOM_DATABASE_URL": self.settings.database_url,
            "WARROOM_LOG_LEVEL": self.settings.log_level,
        }

    def _spawn(self) -> subprocess.Popen[bytes]:
        doorbell, theirs = Doorbell.pair()
        try:
            process = subprocess.Popen(
                self.command(theirs.fileno()),
                pass_fds=(theirs.fileno(),),
                env=self.environment(),
                # Its own session: a Ctrl-C in the terminal reaches serve, which stops the
                # child itself after the API's in-flight requests are done.
                start_new_session=True,
            )
        except BaseException:
            doorbell.close()
            raise
        finally:
            theirs.close()
        previous, self._doorbell = self._doorbell, doorbell
        # The monitor thread sees the child's exit; the hangup needs no handling of its own.
        self.worker.connect(doorbell, on_hangup=lambda: None, on_ready=self._ready.set)
        if previous is not None:
            previous.close()
        log.info("worker_process_started", pid=process.pid)
        return process

    def start(self, ready_seconds: float = READY_SECONDS) -> bool:
        """Starts the child and waits until its loops run (so that a server that answers
        ``/readyz`` also processes what it accepts); False if it did not say so in time
        (it keeps starting, and is restarted if it exits)."""
        with self._lock:
            self.process = self._spawn()
        self._monitor = threading.Thread(
            target=self._watch, name="warroom-worker-process", daemon=True
        )
        self._monitor.start()
        if self._ready.wait(ready_seconds):
            return True
        log.error("worker_process_not_ready", pid=self.process.pid, waited_seconds=ready_seconds)
        return False

    def _watch(self) -> None:
        while True:
            process = self.process
            assert process is not None
            code = process.wait()
            if self._stopping.is_set():
                return
            log.error("worker_process_exited", pid=process.pid, code=code)
            time.sleep(RESTART_DELAY_SECONDS)
            with self._lock:
                if self._stopping.is_set():
                    return
                self.process = self._spawn()

    def reload(self) -> None:
        """Passes a config reload (``SIGHUP``) on to the child."""
        with self._lock:
            if self.process is not None and self.process.poll() is None:
                self.process.send_signal(signal.SIGHUP)

    def stop(self, timeout: float = STOP_SECONDS) -> None:
        """Hangs up the doorbell (the child finishes its round and exits) and waits."""
        self._stopping.set()
        with self._lock:
            process, doorbell = self.process, self._doorbell
            self._doorbell = None
        if doorbell is not None:
            doorbell.close()
        if process is None:
            return
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            log.error("worker_process_killed", pid=process.pid, waited_seconds=timeout)
            process.kill()
            process.wait()
        if self._monitor is not None:
            self._monitor.join(timeout)
