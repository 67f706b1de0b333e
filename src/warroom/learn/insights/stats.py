"""The two summaries every figure uses: the median and the nearest-rank 90th percentile."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence


def median(values: Sequence[float]) -> float | None:
    """The middle value (the mean of the two middle ones for an even count); None if empty."""
    return statistics.median(values) if values else None


def p90(values: Sequence[float]) -> float | None:
    """Nearest-rank 90th percentile: the value at rank ceil(0.9 * n) of the sorted values
    (1-based), so it is always one of the values; None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]
