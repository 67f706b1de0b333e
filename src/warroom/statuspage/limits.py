"""Subscribe requests are limited per client address (per process): at most
``MAX_REQUESTS`` within ``WINDOW``; the next is refused until the oldest leaves the window."""

from __future__ import annotations

import math
import threading
from collections import deque
from datetime import datetime, timedelta

MAX_REQUESTS = 5
WINDOW = timedelta(minutes=15)
MAX_TRACKED = 100_000
"""Addresses remembered at most (the oldest are forgotten first)."""


class SubscribeLimits:
    def __init__(self, max_requests: int = MAX_REQUESTS, window: timedelta = WINDOW) -> None:
        self.max_requests = max_requests
        self.window = window
        self._lock = threading.Lock()
        self._seen: dict[str, deque[datetime]] = {}

    def admit(self, address: str, now: datetime) -> int:
        """Count a request from ``address``: 0 if admitted, else the seconds to wait."""
        with self._lock:
            times = self._seen.get(address)
            if times is None:
                if len(self._seen) >= MAX_TRACKED:
                    self._seen.pop(next(iter(self._seen)))
                times = self._seen[address] = deque(maxlen=self.max_requests)
            while times and now - times[0] >= self.window:
                times.popleft()
            if len(times) >= self.max_requests:
                return max(1, math.ceil((times[0] + self.window - now).total_seconds()))
            times.append(now)
            return 0
