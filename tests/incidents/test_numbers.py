"""Human incident numbers: INC-1, INC-2, … unique and consecutive, even under concurrency."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.incidents.helpers import INCIDENTS, error_of
from tests.support.api import Harness

THREADS = 8
PER_THREAD = 3


def test_numbers_are_consecutive_from_one(api: Harness) -> None:
    created = [api.declare(title=f"incident {n}") for n in range(1, 4)]
    assert [(c["number"], c["ref"]) for c in created] == [(1, "INC-1"), (2, "INC-2"), (3, "INC-3")]
    assert [api.ok("GET", f"{INCIDENTS}/{n}")["title"] for n in (1, 2, 3)] == [
        "incident 1",
        "incident 2",
        "incident 3",
    ]


def test_refused_declarations_do_not_use_up_numbers(api: Harness) -> None:
    api.declare()
    for body in (
        {"title": "x", "team": "nope"},
        {"title": "x", "team": "payments", "services": ["nope"]},
        {"title": "x", "team": "payments", "detected_at": "2030-01-01T00:00:00Z"},
        {"title": "", "team": "payments"},
    ):
        error_of(api.post(INCIDENTS, json=body), 422)
    assert api.declare()["ref"] == "INC-2"


def test_concurrent_declarations_get_unique_consecutive_numbers(api: Harness) -> None:
    tokens = [api.user(f"responder{n}") for n in range(THREADS)]
    barrier = threading.Barrier(THREADS)

    def declare_some(token: str) -> list[Any]:
        barrier.wait(timeout=30)
        out = []
        for n in range(PER_THREAD):
            body = {"title": f"concurrent {n}", "team": "platform"}
            out.append(api.post(INCIDENTS, token=token, json=body))
        return out

    with ThreadPoolExecutor(THREADS) as pool:
        responses = [r for batch in pool.map(declare_some, tokens) for r in batch]
    assert [r.status_code for r in responses] == [201] * (THREADS * PER_THREAD), [
        r.text for r in responses if r.status_code != 201
    ]
    numbers = sorted(r.json()["number"] for r in responses)
    assert numbers == list(range(1, THREADS * PER_THREAD + 1))
    page = api.ok("GET", INCIDENTS, params={"limit": 200})
    assert page["total"] == THREADS * PER_THREAD
    assert sorted(i["number"] for i in page["items"]) == numbers
    assert api.declare()["number"] == THREADS * PER_THREAD + 1
