"""Rate limits of error events: a project's quota, a key's own limit, and spike protection.

Quotas are token buckets of events per minute; ``BURST_SECONDS`` worth may come at once. Spike
protection watches a project without a quota: past ``DEFAULT_SPIKE_MULTIPLE`` times its
own rate of the last hour (once it has ten minutes of history; never below the floor) it is
throttled until its rate falls. All of it is per process, like the integrations' limits.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from warroom.config.projects import DsnKey, Project, spike_limit
from warroom.ingest.limits import TokenBucket

SECONDS_PER_MINUTE = 60
BURST_SECONDS = 10
"""A quota lets this many seconds' worth of events come at once (then its rate)."""
HISTORY_MINUTES = 60
MIN_HISTORY_MINUTES = 10
EVENT_CATEGORIES = "error;default"
"""The rate-limit categories of events (errors, and messages which Sentry calls default)."""


@dataclass(frozen=True)
class Limited:
    """An answer's ``X-Sentry-Rate-Limits`` entry: ``retry_after:categories:scope:reason``."""

    retry_after: int
    scope: str
    reason: str
    categories: str = EVENT_CATEGORIES

    def header(self) -> str:
        return f"{self.retry_after}:{self.categories}:{self.scope}:{self.reason}"


class _Rate:
    """Events accepted per minute over the last hour (for spike protection)."""

    def __init__(self) -> None:
        self.minutes: deque[tuple[int, int]] = deque(maxlen=HISTORY_MINUTES + 1)

    def add(self, amount: int, now: float) -> None:
        minute = int(now // SECONDS_PER_MINUTE)
        if self.minutes and self.minutes[-1][0] == minute:
            self.minutes[-1] = (minute, self.minutes[-1][1] + amount)
        else:
            self.minutes.append((minute, amount))

    def baseline(self, now: float) -> float | None:
        """Mean events per minute over the finished minutes of the last hour; None until
        there are ``MIN_HISTORY_MINUTES`` of them."""
        current = int(now // SECONDS_PER_MINUTE)
        past = [(m, n) for m, n in self.minutes if current - HISTORY_MINUTES <= m < current]
        if not past or current - past[0][0] < MIN_HISTORY_MINUTES:
            return None
        return sum(n for _, n in past) / (current - past[0][0])

    def this_minute(self, now: float) -> int:
        minute = int(now // SECONDS_PER_MINUTE)
        return self.minutes[-1][1] if self.minutes and self.minutes[-1][0] == minute else 0


class Quotas:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._rates: dict[int, _Rate] = {}

    def _take(self, scope: tuple[str, str], per_minute: int, amount: int, now: float) -> int:
        rate = per_minute / SECONDS_PER_MINUTE
        burst = max(1.0, rate * BURST_SECONDS)
        bucket = self._buckets.get(scope)
        if bucket is None or bucket.rate != rate:
            bucket = self._buckets[scope] = TokenBucket(rate, burst, updated=now)
        wait = bucket.take(min(float(amount), burst), now)
        return 0 if wait == 0 else max(1, math.ceil(wait))

    def admit(self, project: Project, key: DsnKey, events: int) -> Limited | None:
        """None when ``events`` error events may be taken now, else the limit that refuses."""
        if events == 0:
            return None
        now = self.clock()
        with self._lock:
            if key.events_per_minute is not None:
                wait = self._take(("key", key.public_key), key.events_per_minute, events, now)
                if wait:
                    return Limited(wait, "key", "key_quota")
            if project.events_per_minute is not None:
                wait = self._take(("project", project.slug), project.events_per_minute, events, now)
                if wait:
                    return Limited(wait, "project", "project_quota")
            rate = self._rates.get(project.id)
            if rate is None:
                rate = self._rates[project.id] = _Rate()
            if project.spike_protection and project.events_per_minute is None:
                baseline = rate.baseline(now)
                if baseline is not None:
                    limit = spike_limit(project, baseline)
                    if rate.this_minute(now) + events > limit:
                        wait = SECONDS_PER_MINUTE - int(now % SECONDS_PER_MINUTE)
                        return Limited(max(1, wait), "project", "spike_protection")
            rate.add(events, now)
        return None
