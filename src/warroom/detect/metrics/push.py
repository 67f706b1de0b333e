"""The JSON push API's body: one sample or a batch, validated field by field.

``{"name": "orders_total", "labels": {"region": "eu"}, "value": 3, "timestamp": 1764870000}``
or ``{"samples": [ ... ]}`` (up to :data:`BATCH_LIMIT`). ``timestamp`` is Unix seconds and
defaults to the time of receipt.
"""

from __future__ import annotations

import math
import re
from typing import Any

from warroom.detect.metrics.store import NAME, Point

BATCH_LIMIT = 5000
METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


class PushError(ValueError):
    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def _number(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PushError(f"{field} must be a number", field)
    number = float(value)
    if not math.isfinite(number):
        raise PushError(f"{field} must be finite", field)
    return number


def _point(item: Any, where: str, now_s: float) -> Point:
    if not isinstance(item, dict):
        raise PushError(f"{where or 'body'} must be an object", where or "body")
    prefix = f"{where}." if where else ""
    unknown = sorted(set(item) - {"name", "labels", "value", "timestamp"})
    if unknown:
        raise PushError(f"unknown field {unknown[0]!r}", prefix + unknown[0])
    name = item.get("name")
    if not isinstance(name, str) or not METRIC_NAME.match(name):
        raise PushError("name must be a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)", prefix + "name")
    labels = item.get("labels", {})
    if not isinstance(labels, dict):
        raise PushError("labels must be an object of strings", prefix + "labels")
    for key, value in labels.items():
        if not LABEL_NAME.match(key) or key == NAME:
            raise PushError(f"label name {key!r} is not allowed", f"{prefix}labels.{key}")
        if not isinstance(value, str):
            raise PushError("label values must be strings", f"{prefix}labels.{key}")
    if "value" not in item:
        raise PushError("value is required", prefix + "value")
    value = _number(item["value"], prefix + "value")
    stamp = item.get("timestamp")
    at = now_s if stamp is None else _number(stamp, prefix + "timestamp")
    return Point({**labels, NAME: name}, round(at * 1000), value)


def parse_push(doc: Any, now_s: float) -> list[Point]:
    if isinstance(doc, dict) and "samples" in doc:
        if set(doc) != {"samples"}:
            extra = sorted(set(doc) - {"samples"})[0]
            raise PushError(f"unknown field {extra!r} next to samples", extra)
        batch = doc["samples"]
        if not isinstance(batch, list) or not batch:
            raise PushError("samples must be a non-empty list", "samples")
        if len(batch) > BATCH_LIMIT:
            raise PushError(f"at most {BATCH_LIMIT} samples per request", "samples")
        return [_point(item, f"samples[{n}]", now_s) for n, item in enumerate(batch)]
    return [_point(doc, "", now_s)]
