"""A real Prometheus as a :class:`~warroom.detect.series.SeriesSource`, over its HTTP query
API (``/api/v1/query_range`` and ``/api/v1/query``).

Every failure — connection refused, timeout, an HTTP error, ``status: error`` in the body,
a result that is not a vector or matrix — raises :class:`SeriesUnavailable` with the reason,
so a detector retries at its next step instead of crashing the worker stage.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import httpx

from warroom.detect.series import InstantValue, Labels, Sample, Series, SeriesUnavailable

__all__ = ["BasicAuth", "BearerAuth", "PrometheusSource"]


@dataclass(frozen=True, slots=True)
class BearerAuth:
    """``Authorization: Bearer <token>``."""

    token: str


@dataclass(frozen=True, slots=True)
class BasicAuth:
    """HTTP basic authentication."""

    username: str
    password: str


Auth = BearerAuth | BasicAuth | None


class PrometheusSource:
    """Queries one Prometheus server (``url`` is its base, e.g. ``http://prom:9090``)."""

    def __init__(
        self,
        url: str,
        auth: Auth = None,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        headers: dict[str, str] = {}
        basic: tuple[str, str] | None = None
        if isinstance(auth, BearerAuth):
            headers["Authorization"] = f"Bearer {auth.token}"
        elif isinstance(auth, BasicAuth):
            basic = (auth.username, auth.password)
        self._client = httpx.Client(
            base_url=self.url, headers=headers, auth=basic, timeout=timeout, transport=transport
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> PrometheusSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def query_range(self, query: str, start: float, end: float, step: float) -> list[Series]:
        data = self._call(
            "/api/v1/query_range",
            {"query": query, "start": _num(start), "end": _num(end), "step": _num(step)},
        )
        return _series(data)

    def query(self, query: str, at: float) -> list[InstantValue]:
        data = self._call("/api/v1/query", {"query": query, "time": _num(at)})
        return _instant(data)

    def _call(self, path: str, form: dict[str, str]) -> dict[str, object]:
        try:
            response = self._client.post(path, data=form)
        except httpx.TimeoutException as error:
            raise SeriesUnavailable(
                f"prometheus {self.url}: timed out after {self.timeout}s"
            ) from error
        except httpx.HTTPError as error:
            raise SeriesUnavailable(f"prometheus {self.url}: {error}") from error
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise SeriesUnavailable(
                f"prometheus {self.url}{path}: HTTP {response.status_code}, not a JSON object"
            )
        if body.get("status") != "success":
            raise SeriesUnavailable(
                f"prometheus {self.url}{path}: HTTP {response.status_code} "
                f"{body.get('errorType', 'error')}: {body.get('error', 'no reason given')}"
            )
        data = body.get("data")
        if not isinstance(data, dict):
            raise SeriesUnavailable(f"prometheus {self.url}{path}: no data in the answer")
        return data


def _num(value: float) -> str:
    return repr(float(value))


def _labels(metric: object) -> Labels:
    if not isinstance(metric, dict):
        raise SeriesUnavailable("prometheus: a series without labels")
    return tuple(sorted((str(k), str(v)) for k, v in metric.items()))


def _value(pair: object) -> Sample:
    if not isinstance(pair, list) or len(pair) != 2:
        raise SeriesUnavailable(f"prometheus: malformed sample {pair!r}")
    value = float(pair[1])
    return Sample(at=float(pair[0]), value=value)


def _kind(data: dict[str, object], *wanted: str) -> str:
    kind = data.get("resultType")
    if not isinstance(kind, str) or kind not in wanted:
        raise SeriesUnavailable(f"prometheus: result type {kind!r}, expected {' or '.join(wanted)}")
    return kind


def _series(data: dict[str, object]) -> list[Series]:
    _kind(data, "matrix")
    result = data.get("result")
    if not isinstance(result, list):
        raise SeriesUnavailable("prometheus: result is not a list")
    out: list[Series] = []
    for item in result:
        if not isinstance(item, dict):
            raise SeriesUnavailable("prometheus: malformed series")
        values = item.get("values", [])
        if not isinstance(values, list):
            raise SeriesUnavailable("prometheus: malformed values")
        samples = tuple(s for s in map(_value, values) if not math.isnan(s.value))
        out.append(Series(labels=_labels(item.get("metric", {})), samples=samples))
    return out


def _instant(data: dict[str, object]) -> list[InstantValue]:
    kind = _kind(data, "vector", "scalar")
    result = data.get("result")
    if kind == "scalar":
        sample = _value(result)
        return [InstantValue(labels=(), value=sample.value)]
    if not isinstance(result, list):
        raise SeriesUnavailable("prometheus: result is not a list")
    out: list[InstantValue] = []
    for item in result:
        if not isinstance(item, dict):
            raise SeriesUnavailable("prometheus: malformed sample")
        out.append(
            InstantValue(
                labels=_labels(item.get("metric", {})), value=_value(item.get("value")).value
            )
        )
    return out
