"""Replaying a monitor over history: what its detector sees at every step (for the chart)
and when it would have raised (``warroom monitors test``)."""

from __future__ import annotations

from dataclasses import dataclass

from warroom.config import AnomalyMonitor
from warroom.detect.metrics.store import fingerprint
from warroom.detect.monitors.detector import Detection, make_detector
from warroom.detect.series import Labels, SeriesSource


@dataclass(frozen=True, slots=True)
class Replay:
    labels: Labels
    fingerprint: str
    detections: tuple[Detection, ...]

    def firings(self) -> list[Detection]:
        """The detections that would have raised: each first anomalous step after a normal one."""
        out: list[Detection] = []
        previous = False
        for detection in self.detections:
            if detection.anomalous and not previous:
                out.append(detection)
            previous = detection.anomalous
        return out


def replay(
    monitor: AnomalyMonitor,
    source: SeriesSource,
    start: float,
    end: float,
    sensitivity: float,
    series: str | None = None,
) -> list[Replay]:
    """Fresh detectors fed every step of [start, end]; only the series with fingerprint
    ``series`` when given."""
    step = monitor.step.total_seconds()
    out: list[Replay] = []
    for found in sorted(
        source.query_range(monitor.query, start, end, step), key=lambda s: s.labels
    ):
        print_ = fingerprint(dict(found.labels))
        if series is not None and print_ != series:
            continue
        detector = make_detector(monitor.kind, sensitivity)
        detections = tuple(detector.update(s.at, s.value) for s in found.samples)
        out.append(Replay(found.labels, print_, detections))
        if len(out) >= monitor.max_series:
            break
    return out
