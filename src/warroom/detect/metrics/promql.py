"""The PromQL subset the embedded store evaluates, over samples already loaded in memory.

Parsed with ``promql-parser``; supported:

* selectors ``name{label="v", l!="v", l=~"re", l!~"re"}`` with ``offset``; instant
  selectors see the latest sample within 5 minutes (Prometheus's lookback);
* range functions ``rate``, ``increase``, ``avg_over_time``, ``max_over_time``,
  ``min_over_time``, ``sum_over_time``, ``count_over_time``, ``quantile_over_time``;
* aggregations ``sum``, ``avg``, ``max``, ``min``, ``count`` with ``by``/``without``;
* binary ``+ - * / % ^`` and comparisons ``== != > < >= <=`` (filtering, or with ``bool``)
  between scalars, a vector and a scalar, or two vectors matched one-to-one (all labels but
  ``__name__``, or ``on(...)``/``ignoring(...)``); unary minus; parentheses; numbers.

Anything else raises :class:`UnsupportedQuery` naming the construct.
"""

from __future__ import annotations

import math
import operator
import re
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import promql_parser

from warroom.detect.series import Labels, SeriesUnavailable

LOOKBACK_MS = 5 * 60 * 1000
NAME = "__name__"

Vector = dict[Labels, float]
Value = Vector | float


class UnsupportedQuery(SeriesUnavailable):
    """The query parses as PromQL but uses something outside the embedded store's subset
    (or does not parse); the message names it."""


@dataclass(frozen=True, slots=True)
class Selector:
    """One vector selector of the query: its metric name, matchers and how far back it reads."""

    name: str | None
    matchers: tuple[tuple[str, str, str], ...]
    """(label, op, value) with op one of = != =~ !~"""
    offset_ms: int
    range_ms: int

    def matches(self, labels: dict[str, str]) -> bool:
        for label, op, value in self.matchers:
            have = labels.get(label, "")
            if op == "=" and have != value:
                return False
            if op == "!=" and have == value:
                return False
            if op in ("=~", "!~"):
                hit = re.fullmatch(value, have) is not None
                if hit != (op == "=~"):
                    return False
        return True


Data = dict[Selector, list[tuple[Labels, list[tuple[int, float]]]]]
"""Per selector, the matching series and their samples (time-ordered, ms)."""

_MATCH_OPS = {"Equal": "=", "NotEqual": "!=", "Re": "=~", "NotRe": "!~"}
_ARITHMETIC: dict[str, Callable[[float, float], float]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": lambda a, b: a / b if b else (math.nan if a == 0 else math.copysign(math.inf, a)),
    "%": lambda a, b: math.fmod(a, b) if b else math.nan,
    "^": lambda a, b: float(a**b),
}
_COMPARISON: dict[str, Callable[[float, float], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    "<": operator.lt,
    ">=": operator.ge,
    "<=": operator.le,
}
_RANGE_FUNCTIONS = {
    "rate",
    "increase",
    "avg_over_time",
    "max_over_time",
    "min_over_time",
    "sum_over_time",
    "count_over_time",
    "quantile_over_time",
}
_AGGREGATIONS = {"sum", "avg", "max", "min", "count"}


def parse(query: str) -> Any:
    try:
        expr = promql_parser.parse(query)
    except (ValueError, RuntimeError) as error:
        raise UnsupportedQuery(f"query does not parse: {error}") from None
    _check(expr)
    return expr


def _selector(vector: Any, range_ms: int) -> Selector:
    if vector.at is not None:
        raise UnsupportedQuery("the @ modifier is not supported by the embedded store")
    matchers = []
    for matcher in vector.matchers.matchers:
        op = _MATCH_OPS[str(matcher.op).split(".")[-1].split("(")[0]]
        matchers.append((matcher.name, op, matcher.value))
    if vector.matchers.or_matchers:
        raise UnsupportedQuery("'or' inside label matchers is not supported")
    if vector.name:
        matchers.append((NAME, "=", vector.name))
    offset = vector.offset
    offset_ms = round(offset.total_seconds() * 1000) if offset is not None else 0
    name = vector.name or next((v for k, o, v in matchers if k == NAME and o == "="), None)
    return Selector(name, tuple(sorted(set(matchers))), offset_ms, range_ms)


def _check(expr: Any) -> None:
    """Refuse what the evaluator does not know before any data is read."""
    kind = type(expr).__name__
    if kind in ("NumberLiteral", "VectorSelector"):
        if kind == "VectorSelector":
            _selector(expr, 0)
        return
    if kind in ("ParenExpr", "UnaryExpr"):
        _check(expr.expr)
    elif kind == "Call":
        name = expr.func.name
        if name not in _RANGE_FUNCTIONS:
            raise UnsupportedQuery(f"function {name}() is not supported by the embedded store")
        ranged = expr.args[-1]
        if type(ranged).__name__ != "MatrixSelector":
            raise UnsupportedQuery(f"{name}() needs a range selector such as metric[5m]")
        _selector(ranged.vector_selector, 0)
        if name == "quantile_over_time" and type(expr.args[0]).__name__ != "NumberLiteral":
            raise UnsupportedQuery("quantile_over_time() needs a number as its quantile")
    elif kind == "AggregateExpr":
        op = str(expr.op)
        if op not in _AGGREGATIONS:
            raise UnsupportedQuery(f"aggregation {op} is not supported by the embedded store")
        _check(expr.expr)
    elif kind == "BinaryExpr":
        op = str(expr.op)
        if op not in _ARITHMETIC and op not in _COMPARISON:
            raise UnsupportedQuery(f"operator {op} is not supported by the embedded store")
        modifier = expr.modifier
        if modifier is not None and "OneToOne" not in str(modifier.card):
            raise UnsupportedQuery("group_left/group_right are not supported")
        _check(expr.lhs)
        _check(expr.rhs)
    elif kind == "MatrixSelector":
        raise UnsupportedQuery("a range selector needs a function such as rate() around it")
    else:
        raise UnsupportedQuery(f"{kind} is not supported by the embedded store")


def selectors(expr: Any) -> Iterator[Selector]:
    """Every selector the query reads, with the widest window it needs."""
    kind = type(expr).__name__
    if kind == "VectorSelector":
        yield _selector(expr, 0)
    elif kind == "Call":
        ranged = expr.args[-1]
        yield _selector(ranged.vector_selector, round(ranged.range.total_seconds() * 1000))
    elif kind in ("ParenExpr", "UnaryExpr", "AggregateExpr"):
        yield from selectors(expr.expr)
    elif kind == "BinaryExpr":
        yield from selectors(expr.lhs)
        yield from selectors(expr.rhs)


def _without_name(labels: Labels) -> Labels:
    return tuple(pair for pair in labels if pair[0] != NAME)


def _window(samples: list[tuple[int, float]], low: int, high: int) -> list[tuple[int, float]]:
    """Samples with low < at <= high (samples are time-ordered)."""
    first = bisect_right(samples, (low, math.inf))
    last = bisect_right(samples, (high, math.inf))
    return samples[first:last]


def evaluate(expr: Any, data: Data, at_ms: int) -> Value:
    kind = type(expr).__name__
    if kind == "NumberLiteral":
        return float(expr.val)
    if kind == "ParenExpr":
        return evaluate(expr.expr, data, at_ms)
    if kind == "UnaryExpr":
        inner = evaluate(expr.expr, data, at_ms)
        if isinstance(inner, float):
            return -inner
        return {_without_name(k): -v for k, v in inner.items()}
    if kind == "VectorSelector":
        selector = _selector(expr, 0)
        out: Vector = {}
        high = at_ms - selector.offset_ms
        for labels, samples in data[selector]:
            seen = _window(samples, high - LOOKBACK_MS, high)
            if seen:
                out[labels] = seen[-1][1]
        return out
    if kind == "Call":
        return _call(expr, data, at_ms)
    if kind == "AggregateExpr":
        return _aggregate(expr, data, at_ms)
    if kind == "BinaryExpr":
        return _binary(expr, data, at_ms)
    raise UnsupportedQuery(f"{kind} is not supported by the embedded store")


def _call(expr: Any, data: Data, at_ms: int) -> Vector:
    name = expr.func.name
    ranged = expr.args[-1]
    range_ms = round(ranged.range.total_seconds() * 1000)
    selector = _selector(ranged.vector_selector, range_ms)
    high = at_ms - selector.offset_ms
    low = high - range_ms
    out: Vector = {}
    for labels, samples in data[selector]:
        seen = _window(samples, low, high)
        if not seen:
            continue
        values = [v for _, v in seen]
        result: float | None
        if name in ("rate", "increase"):
            result = _extrapolated_rate(seen, low, high, is_rate=name == "rate")
        elif name == "avg_over_time":
            result = sum(values) / len(values)
        elif name == "max_over_time":
            result = max(values)
        elif name == "min_over_time":
            result = min(values)
        elif name == "sum_over_time":
            result = sum(values)
        elif name == "count_over_time":
            result = float(len(values))
        else:  # quantile_over_time
            result = _quantile(float(expr.args[0].val), values)
        if result is not None:
            out[_without_name(labels)] = result
    return out


def _extrapolated_rate(
    seen: list[tuple[int, float]], low: int, high: int, *, is_rate: bool
) -> float | None:
    """Prometheus's counter rate: resets compensated, extrapolated towards the window's
    edges by at most half an average sample interval (or to zero for a counter's start)."""
    if len(seen) < 2:
        return None
    delta = seen[-1][1] - seen[0][1]
    previous = seen[0][1]
    for _, value in seen[1:]:
        if value < previous:
            delta += previous
        previous = value
    first_at, last_at = seen[0][0], seen[-1][0]
    sampled = (last_at - first_at) / 1000
    average = sampled / (len(seen) - 1)
    to_start, to_end = (first_at - low) / 1000, (high - last_at) / 1000
    threshold = average * 1.1
    if delta > 0 and seen[0][1] >= 0:
        to_zero = sampled * (seen[0][1] / delta)
        to_start = min(to_start, to_zero)
    extrapolate = sampled
    extrapolate += to_start if to_start < threshold else average / 2
    extrapolate += to_end if to_end < threshold else average / 2
    result = delta * (extrapolate / sampled)
    return result / ((high - low) / 1000) if is_rate else result


def _quantile(q: float, values: list[float]) -> float:
    if math.isnan(q) or not values:
        return math.nan
    if q < 0:
        return -math.inf
    if q > 1:
        return math.inf
    ordered = sorted(values)
    rank = q * (len(ordered) - 1)
    lower = math.floor(rank)
    upper = min(lower + 1, len(ordered) - 1)
    weight = rank - lower
    return ordered[lower] * (1 - weight) + ordered[upper] * weight


def _aggregate(expr: Any, data: Data, at_ms: int) -> Vector:
    inner = evaluate(expr.expr, data, at_ms)
    if isinstance(inner, float):
        raise UnsupportedQuery(f"{expr.op} needs a vector, not a scalar")
    modifier = expr.modifier
    names = set(modifier.labels) if modifier is not None else set()
    without = modifier is not None and "Without" in str(modifier.type)
    groups: dict[Labels, list[float]] = {}
    for labels, value in inner.items():
        if without:
            key = tuple(p for p in labels if p[0] not in names and p[0] != NAME)
        else:
            key = tuple(p for p in labels if p[0] in names)
        groups.setdefault(key, []).append(value)
    return {key: _reduce(str(expr.op), values) for key, values in groups.items()}


def _reduce(op: str, values: list[float]) -> float:
    if op == "sum":
        return float(sum(values))
    if op == "avg":
        return sum(values) / len(values)
    if op == "max":
        return max(values)
    if op == "min":
        return min(values)
    return float(len(values))


def _binary(expr: Any, data: Data, at_ms: int) -> Value:
    op = str(expr.op)
    modifier = expr.modifier
    return_bool = modifier is not None and bool(modifier.return_bool)
    lhs = evaluate(expr.lhs, data, at_ms)
    rhs = evaluate(expr.rhs, data, at_ms)

    def apply(a: float, b: float) -> float | None:
        if op in _ARITHMETIC:
            return _ARITHMETIC[op](a, b)
        hit = _COMPARISON[op](a, b)
        if return_bool:
            return 1.0 if hit else 0.0
        return a if hit else None

    if isinstance(lhs, float) and isinstance(rhs, float):
        if op in _COMPARISON and not return_bool:
            raise UnsupportedQuery("comparisons between scalars need 'bool'")
        result = apply(lhs, rhs)
        assert result is not None
        return result
    drop_name = op in _ARITHMETIC or return_bool
    if isinstance(rhs, float):
        assert not isinstance(lhs, float)
        return _each(lhs, lambda v: apply(v, rhs), drop_name)
    if isinstance(lhs, float):

        def from_left(v: float) -> float | None:
            result = apply(lhs, v)
            if result is None:
                return None
            return result if op in _ARITHMETIC or return_bool else v

        return _each(rhs, from_left, drop_name)
    return _match(lhs, rhs, modifier, apply, drop_name)


def _each(vector: Vector, fn: Callable[[float], float | None], drop_name: bool) -> Vector:
    out: Vector = {}
    for labels, value in vector.items():
        result = fn(value)
        if result is not None:
            out[_without_name(labels) if drop_name else labels] = result
    return out


def _match(
    lhs: Vector,
    rhs: Vector,
    modifier: Any,
    apply: Callable[[float, float], float | None],
    drop_name: bool,
) -> Vector:
    matching = modifier.matching if modifier is not None else None
    names = set(matching.labels) if matching is not None else set()
    on = matching is not None and "Include" in str(matching.type)

    def signature(labels: Labels) -> Labels:
        if on:
            return tuple(p for p in labels if p[0] in names)
        return tuple(p for p in labels if p[0] not in names and p[0] != NAME)

    right: dict[Labels, float] = {}
    for labels, value in rhs.items():
        key = signature(labels)
        if key in right:
            raise SeriesUnavailable(
                f"many-to-many matching: several right-hand series share the labels {dict(key)}"
            )
        right[key] = value
    out: Vector = {}
    for labels, value in lhs.items():
        other = right.get(signature(labels))
        if other is None:
            continue
        result = apply(value, other)
        if result is None:
            continue
        kept = signature(labels) if drop_name else labels
        out[kept] = result
    return out
