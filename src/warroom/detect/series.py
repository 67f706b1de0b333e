"""What every early-warning detector reads: samples of labelled series from a metric store.

Two stores answer these queries: a real Prometheus over its HTTP query API, and warroom's
embedded store (remote-write and the JSON push API), so a monitor's PromQL runs on either.
SLOs, forecasts and anomaly monitors depend only on :class:`SeriesSource`, never on which
store is behind it. Times are Unix seconds (floats), as in Prometheus's API.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

Labels = tuple[tuple[str, str], ...]
"""A series' labels, sorted by name (``__name__`` included when the store gives it)."""


@dataclass(frozen=True, slots=True)
class Sample:
    """One point of a series: when (Unix seconds) and its value."""

    at: float
    value: float


@dataclass(frozen=True, slots=True)
class Series:
    """One labelled series and its samples in time order."""

    labels: Labels
    samples: tuple[Sample, ...]


@dataclass(frozen=True, slots=True)
class InstantValue:
    """One series' value at the evaluation time of an instant query."""

    labels: Labels
    value: float


class SeriesUnavailable(Exception):
    """The store could not answer (down, timed out, refused the query): retry later."""


class SeriesSource(Protocol):
    """A metric store that evaluates PromQL (Prometheus itself, or warroom's embedded store)."""

    def query_range(self, query: str, start: float, end: float, step: float) -> list[Series]:
        """Evaluate ``query`` at every ``step`` seconds from ``start`` to ``end`` inclusive."""
        ...

    def query(self, query: str, at: float) -> list[InstantValue]:
        """Evaluate ``query`` once, at ``at``."""
        ...


def labels_of(mapping: dict[str, str]) -> Labels:
    """The canonical (sorted) form of a label mapping."""
    return tuple(sorted(mapping.items()))
