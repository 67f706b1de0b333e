"""An event-source SLO end to end on both databases: crash-free sessions of a project burn
the budget, the worker's SLO stage raises a page alert through intake (an incident at the
page severity), and resolves it when the short window falls back."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import Engine

from tests.errors.support import error_app, make_envelope, post_envelope
from tests.support.api import Harness
from tests.support.web import web_user
from warroom.auth.models import UserRole
from warroom.detect.slo.alerts import INTEGRATION

SLO = {
    "name": "api-crash-free",
    "service": "payments-api",
    "description": "99% of sessions end without a crash",
    "target": 0.99,
    "indicator": {"kind": "sessions", "project": "api", "environment": "production"},
}


@pytest.fixture
def api(engine: Engine, tmp_path: Path) -> Iterator[Harness]:
    def change(doc: dict[str, Any]) -> None:
        doc["slos"] = [SLO]

    with error_app(engine, tmp_path, change) as harness:
        yield harness


def send_minutes(
    api: Harness, first: datetime, minutes: int, crashed: int, exited: int, every: int = 1
) -> None:
    aggregates = [
        {
            "started": (first + timedelta(minutes=m)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "exited": exited,
            "crashed": crashed,
        }
        for m in range(0, minutes, every)
    ]
    payload = {
        "attrs": {"environment": "production", "release": "api@1.2"},
        "aggregates": aggregates,
    }
    body = make_envelope({}, ({"type": "sessions"}, orjson.dumps(payload)))
    assert post_envelope(api, body).status_code == 200


def slo_alerts(api: Harness) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = api.ok("GET", "/api/v1/alerts")["items"]
    return [a for a in items if a["integration"] == INTEGRATION]


def test_crashes_page_at_the_page_severity_and_resolve_when_fixed(api: Harness) -> None:
    start = api.clock.now
    # Three clean days (1000 sessions every 10 minutes), then 20% of 100 sessions a minute
    # crash for an hour: 1200 crashes. Burn rates: 1h and 5m 20 (> 14.4); 6h
    # 1200 / 36000 / 1% = 3.3 (< 6); 1d 0.83 (< 3); 3d 0.28 (< 1): only the 1h/5m page fires.
    send_minutes(api, start - timedelta(days=3), 3 * 24 * 60, crashed=0, exited=1000, every=10)
    send_minutes(api, start, 60, crashed=20, exited=80)
    api.clock.advance(minutes=60)
    api.drain()
    (alert,) = slo_alerts(api)
    assert alert["status"] == "firing"
    assert alert["labels"]["slo"] == "api-crash-free"
    assert alert["labels"]["windows"] == "1h/5m"
    assert alert["labels"]["urgency"] == "page"
    assert alert["service"] == "payments-api"
    assert alert["team"] == "payments"
    assert alert["annotations"]["long_window_burn_rate"] == "20.00"
    assert alert["annotations"]["short_window_burn_rate"] == "20.00"
    (incident,) = api.ok("GET", "/api/v1/incidents")["items"]
    assert incident["severity"] == "SEV2"

    # Fixed: clean sessions from 10:00. The 5m window drops under 14.4 once more than
    # 5m x (1 - 14.4 / 20) = 84 s of clean minutes are in it, i.e. with two clean buckets.
    send_minutes(api, start + timedelta(minutes=60), 10, crashed=0, exited=100)
    api.clock.advance(minutes=1)
    api.drain()
    assert slo_alerts(api)[0]["status"] == "firing"
    api.clock.advance(minutes=1)
    api.drain()
    assert slo_alerts(api)[0]["status"] == "resolved"


def test_no_sessions_raise_nothing(api: Harness) -> None:
    api.clock.advance(hours=2)
    api.drain()
    assert slo_alerts(api) == []


def test_the_api_shows_budget_and_burn(api: Harness) -> None:
    start = api.clock.now
    send_minutes(api, start - timedelta(days=3), 3 * 24 * 60, crashed=0, exited=1000, every=10)
    send_minutes(api, start, 60, crashed=20, exited=80)
    api.clock.advance(minutes=60)
    api.drain()
    (listed,) = api.ok("GET", "/api/v1/slos")
    assert listed["name"] == "api-crash-free"
    assert listed["team"] == "payments"
    assert listed["series"] == []
    # 1200 crashed of 432 x 1000 + 6000 sessions, against a 1% budget.
    ratio = 1200 / (432 * 1000 + 6000)
    assert listed["error_ratio"] == pytest.approx(ratio)
    assert listed["budget_remaining"] == pytest.approx(1 - ratio / 0.01)
    assert listed["firing"] == ["1h/5m"]
    assert [r["factor"] for r in listed["rules"]] == pytest.approx([14.4, 6, 3, 1])
    assert listed["rules"][0]["long_burn"] == pytest.approx(20)

    shown = api.ok("GET", "/api/v1/slos/api-crash-free", params={"days": 1, "points": 25})
    assert len(shown["series"]) == 25
    assert shown["series"][-1]["at"] == listed["at"]
    assert shown["series"][-1]["burn_1h"] == pytest.approx(20)
    assert shown["series"][0]["burn_1h"] == 0


def test_an_unknown_slo_is_404_naming_it(api: Harness) -> None:
    response = api.get("/api/v1/slos/nope")
    assert response.status_code == 404
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("not_found", "name")
    assert "nope" in error["message"]


def test_bad_points_is_422_naming_the_field(api: Harness) -> None:
    response = api.get("/api/v1/slos/api-crash-free", params={"points": 1})
    assert response.status_code == 422
    assert "points" in response.text


def test_the_web_pages_show_the_budget_and_carry_the_chart_data(api: Harness) -> None:
    start = api.clock.now
    send_minutes(api, start - timedelta(days=3), 3 * 24 * 60, crashed=0, exited=1000, every=10)
    send_minutes(api, start, 60, crashed=20, exited=80)
    api.clock.advance(minutes=60)
    api.drain()
    viewer = web_user(api, "vera", UserRole.VIEWER)
    listed = viewer.get("/slos")
    assert listed.status_code == 200
    remaining = 1 - 1200 / (432 * 1000 + 6000) / 0.01
    row = re.search(
        r'<a href="/slos/api-crash-free">api-crash-free</a></th>(.*?)</tr>', listed.text, re.S
    )
    assert row is not None
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    assert cells == [
        "payments-api", "payments", "99%", "30d", f"{remaining * 100:.1f}%", "20.00",
        "<strong>page 1h/5m</strong>",
    ]  # fmt: skip

    page = viewer.get("/slos/api-crash-free")
    assert page.status_code == 200
    block = re.search(
        r'<script type="application/json" id="slo-chart-data">(.*?)</script>', page.text
    )
    assert block is not None
    chart = json.loads(block.group(1))
    assert len(chart["x"]) == len(chart["budget"]) == len(chart["burn"]) == 180
    assert chart["x"][-1] == int(api.clock.now.timestamp())
    assert chart["burn"][-1] == 20.0
    assert chart["budget"][-1] == round(remaining * 100, 2)
    assert viewer.get("/slos/nope").status_code == 404
