"""What a monitor needs of a streaming detector, and the band detector monitors use.

The interface is the anomaly detector's (``update(ts, value) -> Detection``, ``state()`` /
``restore()``), so the streaming detector of ``warroom.detect.anomaly`` plugs in through
:func:`make_detector` without the monitor machinery changing.

:class:`BandDetector` keeps an exponentially weighted mean and variance per series and
flags a value outside ``mean +/- k standard deviations``; ``k`` falls as the sensitivity
rises (sensitivity 0.5: 4, 0.9: 2, 0.1: 6). It flags nothing during its warm-up, and an
anomalous value moves
the baseline only a little, so a sustained shift stays visible for a while.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

WARM_UP = 20
ALPHA = 0.1
ANOMALOUS_ALPHA = 0.02


@dataclass(frozen=True, slots=True)
class Detection:
    at: float
    observed: float
    expected_low: float
    expected_high: float
    anomalous: bool
    score: float
    """0 inside the band's centre, 1 at its edge, more outside."""
    unusualness: float
    """How far outside the band, in band half-widths (0 inside)."""


class Detector(Protocol):
    def update(self, ts: float, value: float) -> Detection: ...

    def state(self) -> dict[str, Any]: ...

    def restore(self, state: dict[str, Any]) -> None: ...


class BandDetector:
    def __init__(self, sensitivity: float) -> None:
        self.width = 1.5 + (1.0 - sensitivity) * 5.0
        self.count = 0
        self.mean = 0.0
        self.variance = 0.0

    def _half_width(self) -> float:
        floor = max(abs(self.mean) * 0.01, 1e-9)
        return self.width * max(math.sqrt(self.variance), floor)

    def update(self, ts: float, value: float) -> Detection:
        if self.count == 0:
            self.mean = value
        half = self._half_width()
        low, high = self.mean - half, self.mean + half
        distance = abs(value - self.mean) / half if half else 0.0
        anomalous = self.count >= WARM_UP and not low <= value <= high
        alpha = ANOMALOUS_ALPHA if anomalous else ALPHA
        if self.count < WARM_UP:
            alpha = max(alpha, 1.0 / (self.count + 1))
        delta = value - self.mean
        self.mean += alpha * delta
        self.variance = (1 - alpha) * (self.variance + alpha * delta * delta)
        self.count += 1
        return Detection(
            at=ts,
            observed=value,
            expected_low=low,
            expected_high=high,
            anomalous=anomalous,
            score=distance,
            unusualness=max(0.0, distance - 1.0),
        )

    def state(self) -> dict[str, Any]:
        return {"count": self.count, "mean": self.mean, "variance": self.variance}

    def restore(self, state: dict[str, Any]) -> None:
        self.count = int(state["count"])
        self.mean = float(state["mean"])
        self.variance = float(state["variance"])


def make_detector(kind: str, sensitivity: float) -> Detector:
    """The detector of a monitor kind at ``sensitivity`` (0-1)."""
    if kind != "anomaly":
        raise ValueError(f"no detector for monitor kind {kind!r}")
    return BandDetector(sensitivity)
