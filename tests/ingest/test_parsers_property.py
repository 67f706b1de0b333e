"""Property-based tests of every ingest parser over HTTP, on both databases: whatever the
bytes, JSON shape or content encoding, each endpoint answers success or one of its
documented refusals (with the error shape naming the field at fault), never a 500, and a
refused request writes no row at all.

Shapes come from Hypothesis: arbitrary bytes, arbitrary JSON documents, a valid payload with
one value replaced by arbitrary JSON or one key removed, and any of these compressed with a
declared (or a wrong, or an unknown) ``Content-Encoding``. Under ``CI=true`` the examples
are derandomised so a build is reproducible; locally each run explores new ones.
"""

from __future__ import annotations

import copy
import gzip
import json
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from tests.errors.support import AUTH, PROJECT_ID, error_app
from tests.support.api import Harness
from warroom.ingest.models import Signal
from warroom.ingest.sentry.models import ErrorItem

EXAMPLES = int(os.environ.get("WARROOM_PROPERTY_EXAMPLES", "40"))
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=os.environ.get("CI") == "true",
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

AM_KEY = "am-test-key-0123456789"
PD_KEY = "pdpdpdpdpdpdpdpdpdpdpdpdpdpdpd32"
HOOK_KEY = "hook-test-key-0123456789"
BEAT_KEY = "beat-test-key-0123456789"

REFUSALS = {400, 413, 415}
"""What every ingest route may refuse a body with (docs/api.md, "Ingest errors")."""


@dataclass(frozen=True)
class Route:
    path: str
    valid: Any
    success: int
    headers: dict[str, str]
    refusals: frozenset[int] = frozenset(REFUSALS)
    stores_signal: bool = True
    """A heartbeat moves its deadline instead of storing a signal."""
    pagerduty_errors: bool = False
    """PagerDuty's answers keep its own shape: ``status``, ``message``, ``errors``."""


ALERT = {
    "status": "firing",
    "labels": {"alertname": "DiskFull", "instance": "db-1", "severity": "critical"},
    "annotations": {"summary": "disk /data is full"},
    "startsAt": "2026-12-04T10:00:00Z",
    "endsAt": "0001-01-01T00:00:00Z",
    "generatorURL": "http://prometheus/graph",
    "fingerprint": "0123456789abcdef",
}
ROUTES = {
    "alertmanager webhook": Route(
        f"/ingest/alertmanager/{AM_KEY}",
        {
            "version": "4",
            "groupKey": '{}:{alertname="DiskFull"}',
            "status": "firing",
            "receiver": "warroom",
            "groupLabels": {"alertname": "DiskFull"},
            "commonLabels": {"alertname": "DiskFull"},
            "commonAnnotations": {},
            "externalURL": "http://alertmanager",
            "alerts": [ALERT],
        },
        200,
        {},
    ),
    "alertmanager api v2": Route(
        f"/ingest/alertmanager/{AM_KEY}/api/v2/alerts",
        [{k: v for k, v in ALERT.items() if k not in ("status", "fingerprint")}],
        200,
        {},
    ),
    "pagerduty events v2": Route(
        "/v2/enqueue",
        {
            "routing_key": PD_KEY,
            "event_action": "trigger",
            "dedup_key": "disk-db-1",
            "payload": {
                "summary": "disk /data is full on db-1",
                "source": "db-1",
                "severity": "critical",
                "custom_details": {"free": "0 B"},
            },
        },
        202,
        {},
        pagerduty_errors=True,
    ),
    "generic webhook": Route(
        f"/ingest/webhook/{HOOK_KEY}",
        {"title": "Queue is backing up", "id": "queue-1", "state": "alert", "severity": "error"},
        200,
        {},
    ),
    "heartbeat": Route(
        f"/ingest/heartbeat/{BEAT_KEY}", {"status": "ok"}, 200, {}, stores_signal=False
    ),
    "sentry store": Route(
        f"/api/{PROJECT_ID}/store/",
        {
            "event_id": "7e4567b307874c7d8f6b77873eb3c7cf",
            "message": "boom",
            "level": "error",
            "platform": "python",
            "exception": {"values": [{"type": "ValueError", "value": "bad"}]},
        },
        200,
        {"X-Sentry-Auth": AUTH},
    ),
}

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)


def paths_of(doc: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path to a value inside ``doc`` (dict keys and list indexes)."""
    yield prefix
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield from paths_of(value, (*prefix, key))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            yield from paths_of(value, (*prefix, index))


@st.composite
def mutated(draw: st.DrawFn, valid: Any) -> Any:
    """The valid payload with one value replaced by arbitrary JSON, or one key removed."""
    doc = copy.deepcopy(valid)
    paths = [p for p in paths_of(doc) if p]
    path = draw(st.sampled_from(paths))
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    if isinstance(parent, dict) and draw(st.booleans()):
        del parent[path[-1]]
    else:
        parent[path[-1]] = draw(json_values)
    return doc


def encoded(body: bytes, how: str) -> tuple[bytes, dict[str, str]]:
    if how == "identity":
        return body, {}
    if how == "gzip":
        return gzip.compress(body), {"Content-Encoding": "gzip"}
    if how == "deflate":
        return zlib.compress(body), {"Content-Encoding": "deflate"}
    if how == "truncated gzip":
        return gzip.compress(body)[:-5], {"Content-Encoding": "gzip"}
    if how == "gzip declared, plain sent":
        return body, {"Content-Encoding": "gzip"}
    return body, {"Content-Encoding": "x-unknown"}


ENCODINGS = [
    "identity",
    "gzip",
    "deflate",
    "truncated gzip",
    "gzip declared, plain sent",
    "unknown",
]


def dumps(doc: Any) -> bytes:
    """JSON with integers of any size (orjson stops at 64 bits; senders do not)."""
    return json.dumps(doc).encode()


def bodies(valid: Any) -> st.SearchStrategy[tuple[bytes, str]]:
    documents = st.one_of(
        mutated(valid).map(dumps),
        json_values.map(dumps),
        st.binary(max_size=300),
        st.just(orjson.dumps(valid)),
    )
    return st.tuples(documents, st.sampled_from(ENCODINGS))


def stored(engine: Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        signals = conn.execute(select(func.count()).select_from(Signal)).scalar_one()
        items = conn.execute(select(func.count()).select_from(ErrorItem)).scalar_one()
    return int(signals), int(items)


@pytest.fixture
def api(engine: Engine, tmp_path: Path) -> Iterator[Harness]:
    with error_app(engine, tmp_path) as harness:
        yield harness


def check(
    api: Harness, engine: Engine, route: Route, body: bytes, how: str
) -> tuple[int, dict[str, Any] | None]:
    """Send one body; assert the property; give the status and the error (if refused)."""
    api.clock.advance(minutes=10)  # every example starts with a full rate-limit budget
    content, headers = encoded(body, how)
    before = stored(engine)
    response = api.client.post(
        route.path,
        content=content,
        headers={"Content-Type": "application/json", **route.headers, **headers},
    )
    after = stored(engine)
    status = response.status_code
    assert status == route.success or status in route.refusals, (status, response.text)
    if status != route.success:
        assert after == before, f"a {status} wrote rows: {before} -> {after}"
        answer = response.json()
        if route.pagerduty_errors:
            assert set(answer) <= {"status", "message", "errors"}, response.text
            assert answer["status"] not in ("", "success") and answer["message"], response.text
            return status, answer
        error = answer["error"]
        assert error["message"]
        assert error["field"], response.text
        return status, error
    return status, None


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_every_body_gets_success_or_a_documented_refusal_and_refusals_write_nothing(
    api: Harness, engine: Engine, name: str
) -> None:
    route = ROUTES[name]

    @PROPERTY
    @given(sent=bodies(route.valid))
    def run(sent: tuple[bytes, str]) -> None:
        check(api, engine, route, *sent)

    run()


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_the_valid_payload_is_taken_in_every_supported_encoding(
    api: Harness, engine: Engine, name: str
) -> None:
    route = ROUTES[name]
    for number, how in enumerate(("identity", "gzip", "deflate")):
        payload = copy.deepcopy(route.valid)
        if isinstance(payload, dict) and "event_id" in payload:
            payload["event_id"] = f"{number:032x}"  # a repeated event id is a no-op
        before = stored(engine)
        status, error = check(api, engine, route, orjson.dumps(payload), how)
        assert (status, error) == (route.success, None)
        if route.stores_signal:
            assert sum(stored(engine)) == sum(before) + 1, how


@pytest.mark.parametrize(
    ("how", "status", "field"),
    [
        ("truncated gzip", 400, "body"),
        ("unknown", 415, "content-encoding"),
    ],
)
def test_broken_encodings_are_refused_naming_what_is_wrong(
    api: Harness, engine: Engine, how: str, status: int, field: str
) -> None:
    route = ROUTES["alertmanager webhook"]
    got, error = check(api, engine, route, orjson.dumps(route.valid), how)
    assert got == status
    assert error is not None and error["field"] == field


ENVELOPE_ROUTE = Route(f"/api/{PROJECT_ID}/envelope/", None, 200, {"X-Sentry-Auth": AUTH})
ITEM_TYPES = [
    "event",
    "transaction",
    "attachment",
    "session",
    "sessions",
    "check_in",
    "client_report",
    "log",
    "user_report",
    "no_such_type",
]


@st.composite
def envelopes(draw: st.DrawFn) -> bytes:
    """Envelope-shaped bytes: a header line, items with (maybe wrong) lengths and types,
    payloads of JSON or raw bytes, and sometimes a line cut or a byte changed."""
    header: dict[str, Any] = {"event_id": draw(st.uuids()).hex}
    if draw(st.booleans()):
        header = draw(st.dictionaries(st.text(max_size=8), json_values, max_size=3)) | header
    lines = [dumps(header)]
    for _ in range(draw(st.integers(0, 3))):
        payload = draw(
            st.one_of(
                st.just(dumps({"message": "boom", "level": "error"})),
                json_values.map(dumps),
                st.binary(max_size=80),
            )
        )
        item: dict[str, Any] = {"type": draw(st.sampled_from(ITEM_TYPES))}
        if draw(st.booleans()):
            item["length"] = draw(st.one_of(st.just(len(payload)), st.integers(-5, 500)))
        lines += [dumps(item), payload]
    body = b"\n".join(lines) + b"\n"
    if body and draw(st.booleans()):
        cut = draw(st.integers(0, len(body) - 1))
        body = body[:cut] if draw(st.booleans()) else body[:cut] + b"\xff" + body[cut + 1 :]
    return body


def test_every_envelope_gets_success_or_a_documented_refusal_and_refusals_write_nothing(
    api: Harness, engine: Engine
) -> None:
    @PROPERTY
    @given(body=envelopes(), how=st.sampled_from(ENCODINGS))
    def run(body: bytes, how: str) -> None:
        check(api, engine, ENVELOPE_ROUTE, body, how)

    run()
