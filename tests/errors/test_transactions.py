"""Transactions per minute and name on both databases: counts, errors as Sentry's failure
rate counts them, p50/p95 from the log histogram within its error bound."""

from __future__ import annotations

import math
import random
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from tests.errors.health_support import send_items
from tests.errors.support import envelope, error_app, post_envelope
from tests.support.api import Harness

from warroom.errors.transactions import ERROR_BOUND, bucket_of, quantile

TRANSACTIONS = "/api/v1/projects/api/transactions"
START = datetime(2026, 3, 2, 9, 0, 5, tzinfo=UTC)


@pytest.fixture
def api(engine: Engine, tmp_path: Path) -> Iterator[Harness]:
    with error_app(engine, tmp_path) as harness:
        yield harness


def transaction(
    name: str, ms: float, status: str | None = None, at: datetime = START
) -> tuple[str, dict[str, Any]]:
    body: dict[str, Any] = {
        "event_id": uuid.uuid4().hex,
        "type": "transaction",
        "transaction": name,
        "start_timestamp": at.timestamp(),
        "timestamp": (at + timedelta(milliseconds=ms)).isoformat(),
        "contexts": {"trace": {"trace_id": uuid.uuid4().hex}},
    }
    if status is not None:
        body["contexts"]["trace"]["status"] = status
    return "transaction", body


def nearest_rank(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q * len(ordered))) - 1]


def test_the_captured_transaction_is_counted_with_its_duration(api: Harness) -> None:
    assert post_envelope(api, envelope("envelope_transaction.txt")).status_code == 200
    api.drain()
    (total,) = api.ok("GET", TRANSACTIONS)["totals"]
    assert (total["name"], total["count"], total["errors"]) == ("my-task", 1, 0)
    assert total["p50_ms"] == pytest.approx(8.715, rel=ERROR_BOUND)
    assert total["p95_ms"] == pytest.approx(8.715, rel=ERROR_BOUND)


def test_quantiles_are_within_the_bound_of_the_exact_ones() -> None:
    rng = random.Random(7)
    values = [rng.lognormvariate(4, 1.2) for _ in range(5000)]
    histogram = Counter(bucket_of(v) for v in values)
    for q in (0.5, 0.95, 0.99):
        found = quantile(histogram, q)
        assert found == pytest.approx(nearest_rank(values, q), rel=ERROR_BOUND)
    assert quantile(Counter(), 0.5) is None
    assert ERROR_BOUND < 0.01


def test_counts_errors_and_quantiles_per_name_and_minute(api: Harness) -> None:
    durations = [10.0 * n for n in range(1, 21)]
    items = [transaction("GET /orders", ms) for ms in durations]
    items += [
        transaction("GET /orders", 50, status="internal_error"),
        transaction("GET /orders", 50, status="cancelled"),
        transaction("GET /orders", 50, status="ok", at=START + timedelta(minutes=1)),
        transaction("POST /pay", 5, status="deadline_exceeded"),
    ]
    send_items(api, *items)
    api.drain()
    answer = api.ok("GET", TRANSACTIONS, params={"name": "GET /orders"})
    (total,) = answer["totals"]
    assert (total["count"], total["errors"]) == (23, 1)
    assert total["failure_rate"] == pytest.approx(1 / 23)
    everything = [*durations, 50, 50, 50]
    assert total["p50_ms"] == pytest.approx(nearest_rank(everything, 0.5), rel=ERROR_BOUND)
    assert total["p95_ms"] == pytest.approx(nearest_rank(everything, 0.95), rel=ERROR_BOUND)
    first, second = answer["minutes"]
    assert (first["minute"][:16], first["count"]) == ("2026-03-02T09:00", 22)
    assert (second["count"], second["p50_ms"]) == (1, pytest.approx(50, rel=ERROR_BOUND))
    names = {t["name"]: t for t in api.ok("GET", TRANSACTIONS)["totals"]}
    assert names["POST /pay"]["errors"] == 1
    later = api.ok("GET", TRANSACTIONS, params={"since": "2026-03-02T09:01:00Z"})["totals"]
    assert [(t["name"], t["count"]) for t in later] == [("GET /orders", 1)]


def test_a_transaction_without_times_is_invalid(api: Harness) -> None:
    send_items(api, ("transaction", {"event_id": uuid.uuid4().hex, "transaction": "x"}))
    api.drain()
    assert api.ok("GET", TRANSACTIONS)["totals"] == []
    outcomes = api.ok("GET", "/api/v1/projects/api")["outcomes"]
    assert {"category": "transaction", "reason": "invalid"}.items() <= outcomes[0].items()
