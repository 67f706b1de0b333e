"""warroom's embedded metric store as a :class:`~warroom.detect.series.SeriesSource`.

A query is parsed and checked first (an unsupported construct raises
:class:`~warroom.detect.metrics.promql.UnsupportedQuery` before any read); then each
selector's series and samples over the whole window are read once, and the expression is
evaluated in memory at every step.
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from warroom.detect.metrics import promql, store
from warroom.detect.series import (
    InstantValue,
    Labels,
    Sample,
    Series,
    SeriesUnavailable,
    labels_of,
)

MAX_STEPS = 11_000
"""Like Prometheus: a range query of more points is refused (raise the step)."""


class EmbeddedSource:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self.session_factory = session_factory

    def query_range(self, query: str, start: float, end: float, step: float) -> list[Series]:
        if step <= 0:
            raise promql.UnsupportedQuery("step must be positive")
        if end < start:
            raise promql.UnsupportedQuery("end is before start")
        steps = math.floor((end - start) / step) + 1
        if steps > MAX_STEPS:
            raise promql.UnsupportedQuery(f"{steps} steps; at most {MAX_STEPS} (raise the step)")
        expr = promql.parse(query)
        start_ms, step_ms = round(start * 1000), round(step * 1000)
        times = [start_ms + n * step_ms for n in range(steps)]
        data = self._load(expr, times[0], times[-1])
        out: dict[Labels, list[Sample]] = {}
        for at_ms in times:
            value = promql.evaluate(expr, data, at_ms)
            for labels, number in _as_vector(value).items():
                out.setdefault(labels, []).append(Sample(at_ms / 1000, number))
        return [Series(labels, tuple(samples)) for labels, samples in sorted(out.items())]

    def query(self, query: str, at: float) -> list[InstantValue]:
        expr = promql.parse(query)
        at_ms = round(at * 1000)
        value = promql.evaluate(expr, self._load(expr, at_ms, at_ms), at_ms)
        return [
            InstantValue(labels, number) for labels, number in sorted(_as_vector(value).items())
        ]

    def _load(self, expr: Any, first_ms: int, last_ms: int) -> promql.Data:
        data: promql.Data = {}
        try:
            with self.session_factory() as session:
                for selector in set(promql.selectors(expr)):
                    reach = selector.range_ms or promql.LOOKBACK_MS
                    low = first_ms - selector.offset_ms - reach
                    high = last_ms - selector.offset_ms
                    matching = [
                        s
                        for s in store.series_named(session, selector.name)
                        if selector.matches(s.labels)
                    ]
                    found = store.samples(session, (s.id for s in matching), low, high)
                    data[selector] = [(labels_of(s.labels), found[s.id]) for s in matching]
        except SQLAlchemyError as error:
            raise SeriesUnavailable(f"embedded store: {error}") from error
        return data


def _as_vector(value: promql.Value) -> dict[Labels, float]:
    vector = {(): value} if isinstance(value, float) else value
    return {k: v for k, v in vector.items() if not math.isnan(v)}
