"""Per-integration rate limits (token buckets) and the counters of what was refused."""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class TokenBucket:
    rate: float
    burst: float
    tokens: float = field(init=False)
    updated: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.tokens = self.burst

    def take(self, amount: float, now: float) -> float:
        """Take ``amount`` tokens; 0.0 when granted, else the seconds to wait.

        Every unit counts. A batch larger than the burst cannot fit the bucket, so it is
        taken only when the bucket is full, and it leaves the bucket in debt (negative): the
        next request waits until the whole batch has been paid for at ``rate``. The long-run
        rate holds exactly, and no batch is refused for ever (a sender cannot split one it
        has already sent)."""
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if amount <= self.tokens or (amount > self.burst and self.tokens >= self.burst):
            self.tokens -= amount
            return 0.0
        return (min(amount, self.burst) - self.tokens) / self.rate


class RateLimiter:
    """One bucket per integration, re-sized when the config changes its limit."""

    def __init__(self) -> None:
        self._buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()

    def check(self, integration: str, rate: float, burst: int, amount: int = 1) -> int:
        """0 if allowed, else whole seconds for ``Retry-After`` (at least 1)."""
        with self._lock:
            bucket = self._buckets.get(integration)
            if bucket is None or bucket.rate != rate or bucket.burst != burst:
                bucket = TokenBucket(rate, float(burst))
                self._buckets[integration] = bucket
            wait = bucket.take(amount, time.monotonic())
        return 0 if wait == 0 else max(1, math.ceil(wait))


class IngestStats:
    """What each integration sent: accepted signals and refusals by reason (this process)."""

    def __init__(self) -> None:
        self._counts: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()

    def add(self, integration: str, outcome: str, amount: int = 1) -> None:
        with self._lock:
            self._counts[(integration, outcome)] += amount

    def of(self, integration: str) -> dict[str, int]:
        with self._lock:
            return {o: n for (i, o), n in self._counts.items() if i == integration}
