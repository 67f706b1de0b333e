"""Writes per minute to each tracker, shared by every delivery to it in this process."""

from __future__ import annotations

import threading
from collections import deque
from datetime import datetime, timedelta

WINDOW = timedelta(minutes=1)


class WriteLimiter:
    """A sliding window of the last minute's writes per tracker, plus a pause the tracker
    itself asked for (a 429's ``Retry-After``, GitHub's rate-limit reset)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._writes: dict[str, deque[datetime]] = {}
        self._paused_until: dict[str, datetime] = {}

    def wait(self, tracker: str, per_minute: int, now: datetime) -> float:
        """0 and the write is counted, or the seconds until a write may go."""
        with self._lock:
            paused = self._paused_until.get(tracker)
            if paused is not None and paused > now:
                return (paused - now).total_seconds()
            writes = self._writes.setdefault(tracker, deque())
            while writes and writes[0] <= now - WINDOW:
                writes.popleft()
            if len(writes) >= per_minute:
                return max((writes[0] + WINDOW - now).total_seconds(), 0.001)
            writes.append(now)
            return 0.0

    def pause(self, tracker: str, until: datetime) -> None:
        with self._lock:
            current = self._paused_until.get(tracker)
            if current is None or until > current:
                self._paused_until[tracker] = until
