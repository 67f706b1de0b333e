"""Failed sign-ins are limited per username and per client address (per process): after
``MAX_FAILURES`` within ``WINDOW``, further attempts are refused until the oldest failure
leaves the window, whatever the password. A success clears the username's count."""

from __future__ import annotations

import math
import threading
from collections import deque
from datetime import datetime, timedelta

MAX_FAILURES = 10
WINDOW = timedelta(minutes=15)
MAX_TRACKED = 100_000
"""Keys remembered at most (an attacker cycling usernames cannot grow memory without
bound; the oldest keys are forgotten first)."""


class SignInLimits:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: dict[str, deque[datetime]] = {}

    def _recent(self, key: str, now: datetime) -> deque[datetime]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and now - times[0] >= WINDOW:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def retry_after(self, keys: list[str], now: datetime) -> int:
        """Seconds until an attempt under ``keys`` is allowed (0: now)."""
        with self._lock:
            wait = 0.0
            for key in keys:
                times = self._recent(key, now)
                if len(times) >= MAX_FAILURES:
                    wait = max(wait, (times[0] + WINDOW - now).total_seconds())
            return math.ceil(wait)

    def failed(self, keys: list[str], now: datetime) -> None:
        with self._lock:
            for key in keys:
                if key not in self._failures and len(self._failures) >= MAX_TRACKED:
                    self._failures.pop(next(iter(self._failures)))
                self._failures.setdefault(key, deque(maxlen=MAX_FAILURES)).append(now)

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)


def keys_of(username: str, address: str | None) -> list[str]:
    return [f"user:{username.lower()}", f"addr:{address or 'unknown'}"]
