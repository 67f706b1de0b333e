"""Queue not draining: a rate-of-change detector for queues and backlogs.

Fed one observation at a time (no look-ahead, state bounded by the window), it says a queue
is not draining when either
- **rising**: its depth grew at each of the last ``rising_steps`` observations while the
  drain rate kept at or below the inflow (when the rates are known; growth alone says so
  when they are not), or
- **stuck**: its depth stayed above ``threshold`` for the whole ``window`` and never went
  below where it was at the start of the window: nothing is being worked off.
It drains again as soon as the depth falls, or drops to ``threshold`` or below.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from enum import StrEnum


class Verdict(StrEnum):
    DRAINING = "draining"
    RISING = "rising"
    STUCK = "stuck"


@dataclass(frozen=True, slots=True)
class QueueRule:
    rising_steps: int = 6
    """Consecutive growing observations that make a rising queue."""
    window: float = 900.0
    """Seconds the depth must stay above ``threshold`` without going down to be stuck."""
    threshold: float = 0.0
    """A queue at or below this depth is fine, whatever it does."""

    def __post_init__(self) -> None:
        if self.rising_steps < 2:
            raise ValueError("rising_steps must be at least 2")
        if self.window <= 0:
            raise ValueError("window must be positive")


@dataclass(frozen=True, slots=True)
class Observation:
    verdict: Verdict
    depth: float
    reason: str

    @property
    def not_draining(self) -> bool:
        return self.verdict is not Verdict.DRAINING


class QueueWatch:
    """The detector for one queue."""

    def __init__(self, rule: QueueRule) -> None:
        self.rule = rule
        self._recent: deque[tuple[float, float]] = deque()
        self._rising = 0
        self._above_since: float | None = None

    def observe(
        self,
        at: float,
        depth: float,
        inflow: float | None = None,
        drain: float | None = None,
    ) -> Observation:
        """Take the depth at ``at`` (seconds, increasing), with the inflow and drain rates
        over the last step if known."""
        rule = self.rule
        previous = self._recent[-1][1] if self._recent else None
        behind = inflow is None or drain is None or drain <= inflow
        if previous is not None and depth > previous and behind:
            self._rising += 1
        else:
            self._rising = 0
        self._recent.append((at, depth))
        while len(self._recent) > 1 and self._recent[1][0] <= at - rule.window:
            self._recent.popleft()
        if depth <= rule.threshold:
            self._above_since = None
            return Observation(Verdict.DRAINING, depth, f"at or below {rule.threshold:g}")
        if self._above_since is None:
            self._above_since = at
        if self._rising >= rule.rising_steps:
            rates = (
                ""
                if inflow is None or drain is None
                else f" (drain {drain:g} <= inflow {inflow:g})"
            )
            return Observation(Verdict.RISING, depth, f"grew {self._rising} steps in a row{rates}")
        start_at, start_depth = self._recent[0]
        lowest = min(d for _, d in self._recent)
        if (
            self._above_since <= at - rule.window
            and start_at <= at - rule.window
            and lowest >= start_depth
        ):
            return Observation(
                Verdict.STUCK,
                depth,
                f"above {rule.threshold:g} and not below {start_depth:g} for {rule.window:g}s",
            )
        return Observation(Verdict.DRAINING, depth, "going down")
