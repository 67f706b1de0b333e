"""GET /api/v1/deliveries (filters, counts, validation), one delivery, and who may retry."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.notify.helpers import deliveries, notify_app
from tests.support.api import Harness
from tests.support.sinks import HttpSink, SmtpSink
from warroom.auth.models import UserRole
from warroom.notify.models import Channel, DeliveryStatus


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def hook(monkeypatch: pytest.MonkeyPatch) -> Iterator[HttpSink]:
    monkeypatch.setenv("WARROOM_TEST_HOOK_SECRET", "s3cret")
    with HttpSink() as sink:
        yield sink


@pytest.fixture
def app(engine: Engine, tmp_path: Path, smtp: SmtpSink, hook: HttpSink) -> Iterator[Harness]:
    with notify_app(engine, tmp_path, smtp, hook) as harness:
        harness.declare(title="Card payments failing", severity="SEV1", team="payments")
        harness.declare(title="Slow search", severity="SEV3", team="search")
        harness.drain()
        yield harness


def test_listing_filters_by_channel_and_incident_newest_first(app: Harness) -> None:
    hooks = app.ok("GET", "/api/v1/deliveries", params={"channel": "webhook"})
    assert [item["incident"] for item in hooks["items"]] == ["INC-2", "INC-1"]
    assert hooks["total"] == 2
    assert {item["channel"] for item in hooks["items"]} == {"webhook"}

    search = app.ok("GET", "/api/v1/deliveries", params={"incident": "INC-2"})
    assert [(item["channel"], item["purpose"]) for item in search["items"]] == [
        ("webhook", "event")
    ]

    everything = app.ok("GET", "/api/v1/deliveries", params={"limit": 1})
    assert len(everything["items"]) == 1
    assert everything["total"] == len(deliveries(app))
    assert everything["counts"] == {"delivered": len(deliveries(app))}


def test_listing_by_status_finds_only_dead_letters(app: Harness, hook: HttpSink) -> None:
    hook.status = 404
    app.ok("POST", "/api/v1/incidents/INC-2/actions/acknowledge", json={})
    app.drain()

    dead = app.ok("GET", "/api/v1/deliveries", params={"status": "dead"})
    assert [(item["incident"], item["status"]) for item in dead["items"]] == [("INC-2", "dead")]
    assert "HTTP 404" in dead["items"][0]["last_error"]
    assert dead["counts"]["dead"] == 1


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "lost"}, "status"),
        ({"channel": "pigeon"}, "channel"),
        ({"limit": 201}, "limit"),
        ({"limit": 0}, "limit"),
    ],
)
def test_a_bad_filter_is_422_naming_it(app: Harness, params: dict[str, object], field: str) -> None:
    response = app.get("/api/v1/deliveries", params=params)
    assert response.status_code == 422
    assert field in response.json()["error"]["field"]


def test_an_unknown_incident_is_404_naming_it(app: Harness) -> None:
    response = app.get("/api/v1/deliveries", params={"incident": "INC-99"})
    assert response.status_code == 404


def test_one_delivery_shows_its_payload_and_subject(app: Harness) -> None:
    [row] = [d for d in deliveries(app, channel=Channel.EMAIL) if d.target == "alice@example.com"]
    shown = app.ok("GET", f"/api/v1/deliveries/{row.id}")
    assert shown["status"] == "delivered" and shown["incident"] == "INC-1"
    assert "Card payments failing" in shown["subject"]
    assert shown["payload"] == row.payload
    assert app.get("/api/v1/deliveries/999999").status_code == 404


def test_a_viewer_may_look_but_not_retry(app: Harness, hook: HttpSink) -> None:
    hook.status = 404
    app.ok("POST", "/api/v1/incidents/INC-2/actions/acknowledge", json={})
    app.drain()
    [dead] = deliveries(app, status=DeliveryStatus.DEAD)
    viewer = app.user("victor", UserRole.VIEWER)

    assert app.get("/api/v1/deliveries", token=viewer).status_code == 200
    assert app.post(f"/api/v1/deliveries/{dead.id}/retry", token=viewer).status_code == 403
    [still] = deliveries(app, status=DeliveryStatus.DEAD)
    assert still.id == dead.id and still.attempts == dead.attempts
