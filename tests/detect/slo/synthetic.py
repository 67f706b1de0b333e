"""A metric store answering one query, ``error_ratio[<range>]``: the exact mean over the
range of a piecewise-constant error ratio (a constant request rate), as Prometheus's
``rate(errors[w]) / rate(total[w])`` would give for ideal counters."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from warroom.detect.series import InstantValue, Series

RANGE = re.compile(r"error_ratio\[(\d+)([smhd])\]")
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
QUERY = "error_ratio[$window]"


@dataclass
class StepRatio:
    """The error ratio as steps: ``changes`` is (from time, ratio) in time order; 0 before."""

    changes: list[tuple[float, float]] = field(default_factory=list)

    def set(self, at: float, ratio: float) -> None:
        self.changes.append((at, ratio))

    def mean(self, start: float, end: float) -> float:
        total = 0.0
        points = [*self.changes, (float("inf"), 0.0)]
        for (begin, ratio), (stop, _) in itertools.pairwise(points):
            overlap = min(stop, end) - max(begin, start)
            if overlap > 0:
                total += ratio * overlap
        return total / (end - start)

    def query(self, query: str, at: float) -> list[InstantValue]:
        found = RANGE.fullmatch(query)
        assert found is not None, query
        window = int(found.group(1)) * UNITS[found.group(2)]
        return [InstantValue((), self.mean(at - window, at))]

    def query_range(self, query: str, start: float, end: float, step: float) -> list[Series]:
        raise AssertionError("the SLO evaluator uses instant queries")
