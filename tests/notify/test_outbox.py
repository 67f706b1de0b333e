"""The outbox: retries with backoff, dead letters, retry by hand, outages, no doubles."""

from __future__ import annotations

import hashlib
import hmac
import random
import re
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.notify.helpers import deliveries, notify_app
from tests.support.api import Harness
from tests.support.sinks import HttpSink, SmtpSink
from warroom.config.notify import RetrySettings
from warroom.notify.models import Channel, DeliveryStatus, Purpose
from warroom.notify.retry import retry_delay

HOOK_SECRET = "s3cret"


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def hook(monkeypatch: pytest.MonkeyPatch) -> Iterator[HttpSink]:
    monkeypatch.setenv("WARROOM_TEST_HOOK_SECRET", HOOK_SECRET)
    with HttpSink() as sink:
        yield sink


@pytest.fixture
def team_hook() -> Iterator[HttpSink]:
    with HttpSink() as sink:
        yield sink


@pytest.fixture
def app(
    engine: Engine, tmp_path: Path, smtp: SmtpSink, hook: HttpSink, team_hook: HttpSink
) -> Iterator[Harness]:
    with notify_app(engine, tmp_path, smtp, hook, team_hook=team_hook) as harness:
        yield harness


def test_backoff_doubles_up_to_the_cap_with_jitter_between_half_and_all() -> None:
    settings = RetrySettings(
        max_attempts=10, first_delay=timedelta(seconds=10), max_delay=timedelta(minutes=1)
    )
    rng = random.Random(7)
    for attempts, ceiling in [(1, 10), (2, 20), (3, 40), (4, 60), (9, 60)]:
        delays = [retry_delay(settings, attempts, rng).total_seconds() for _ in range(200)]
        assert min(delays) >= ceiling / 2
        assert max(delays) <= ceiling
        assert max(delays) - min(delays) > ceiling / 4  # jitter, not a fixed delay


def test_a_declared_incident_reaches_team_channel_incidents_channel_and_webhook(
    app: Harness, smtp: SmtpSink, hook: HttpSink, team_hook: HttpSink
) -> None:
    app.declare(title="Card payments failing", severity="SEV1", team="payments")
    app.drain()

    assert len(smtp.to("payments-team@example.com")) == 1
    assert len(smtp.to("incidents@example.com")) == 1
    [team_post] = team_hook.received()
    assert team_post.json()["incident"]["ref"] == "INC-1"
    [event] = hook.received()
    body = event.json()
    assert body["event"] == "incident.declared"
    assert body["incident"]["title"] == "Card payments failing"
    assert "webhook" not in body


def test_a_lower_severity_skips_the_incidents_channel_and_a_team_without_contacts_gets_none(
    app: Harness, smtp: SmtpSink, hook: HttpSink
) -> None:
    app.declare(title="Slow search", severity="SEV3", team="search")
    app.drain()

    assert smtp.received() == []
    assert [r.json()["event"] for r in hook.received()] == ["incident.declared"]


def test_the_webhook_signature_verifies_with_the_documented_recipe(
    app: Harness, hook: HttpSink
) -> None:
    app.declare(title="Card payments failing", severity="SEV2", team="payments")
    app.drain()
    [request] = hook.received()
    headers = {name.lower(): value for name, value in request.headers.items()}

    timestamp = headers["x-warroom-timestamp"]
    expected = hmac.new(
        HOOK_SECRET.encode(), timestamp.encode() + b"." + request.body, hashlib.sha256
    ).hexdigest()
    assert headers["x-warroom-signature"] == f"sha256={expected}"
    assert headers["x-warroom-delivery"].startswith("broadcast:")
    forged = hmac.new(b"wrong", timestamp.encode() + b"." + request.body, hashlib.sha256)
    assert headers["x-warroom-signature"] != f"sha256={forged.hexdigest()}"


def test_status_changes_and_updates_are_announced_too(app: Harness, hook: HttpSink) -> None:
    app.declare(title="Card payments failing", severity="SEV2", team="payments")
    app.ok("POST", "/api/v1/incidents/INC-1/actions/acknowledge", json={})
    app.ok("POST", "/api/v1/incidents/INC-1/updates", json={"text": "Rolled back 412"})
    app.drain()

    # Deliveries due together are sent in parallel: they may arrive in any order.
    events = sorted(r.json()["event"] for r in hook.received())
    assert events == ["incident.declared", "incident.status_changed", "incident.status_update"]


def test_a_failing_receiver_is_retried_with_backoff_then_dead_then_retried_by_hand(
    app: Harness, hook: HttpSink
) -> None:
    hook.status = 503
    app.declare(title="Card payments failing", severity="SEV3", team="search")
    app.drain()
    [row] = deliveries(app, channel=Channel.WEBHOOK)
    assert row.status is DeliveryStatus.PENDING and row.attempts == 1
    assert "HTTP 503" in (row.last_error or "")
    first_retry = row.due_at - app.clock.now
    assert timedelta(seconds=5) <= first_retry <= timedelta(seconds=10)

    for _ in range(3):  # max_attempts: 4
        app.clock.advance(minutes=2)
        app.drain()
    [row] = deliveries(app, channel=Channel.WEBHOOK)
    assert row.status is DeliveryStatus.DEAD and row.attempts == 4

    failed = app.ok("GET", "/api/v1/deliveries", params={"status": "dead"})
    assert [item["id"] for item in failed["items"]] == [row.id]
    assert failed["counts"]["dead"] == 1

    hook.status = 200
    retried = app.ok("POST", f"/api/v1/deliveries/{row.id}/retry")
    assert retried["status"] == "pending" and retried["attempts"] == 0
    app.drain()
    assert len(hook.received()) == 1
    [row] = deliveries(app, channel=Channel.WEBHOOK)
    assert row.status is DeliveryStatus.DELIVERED


def test_retrying_a_delivered_delivery_is_409_and_an_unknown_one_404(
    app: Harness, hook: HttpSink
) -> None:
    app.declare(title="Slow search", severity="SEV3", team="search")
    app.drain()
    [row] = deliveries(app, channel=Channel.WEBHOOK)

    conflict = app.post(f"/api/v1/deliveries/{row.id}/retry")
    assert conflict.status_code == 409
    assert conflict.json()["error"]["field"] == "delivery_id"
    missing = app.post("/api/v1/deliveries/999999/retry")
    assert missing.status_code == 404


def test_a_permanent_refusal_is_dead_at_once(app: Harness, smtp: SmtpSink) -> None:
    smtp.reject_with = "550 5.1.1 no such mailbox"
    app.declare(title="Card payments failing", severity="SEV1", team="payments")
    app.drain()

    pages = deliveries(app, purpose=Purpose.PAGE)
    assert pages and all(p.status is DeliveryStatus.DEAD for p in pages)
    assert all(p.attempts == 1 and "550" in (p.last_error or "") for p in pages)


def test_ten_minutes_of_outage_delivers_everything_once_when_receivers_return(
    engine: Engine, tmp_path: Path, smtp: SmtpSink, hook: HttpSink, team_hook: HttpSink
) -> None:
    with notify_app(engine, tmp_path, smtp, hook, team_hook=team_hook, retry=None) as app:
        outage_then_recovery(app, smtp, hook, team_hook)


def outage_then_recovery(app: Harness, smtp: SmtpSink, hook: HttpSink, team_hook: HttpSink) -> None:
    """With the default retry policy."""
    smtp.stop()
    hook.stop()
    team_hook.stop()
    for number in range(5):
        app.declare(title=f"Outage {number}", severity="SEV1", team="payments")
    app.drain()
    for _ in range(10):
        app.clock.advance(minutes=1)
        app.drain()
    assert all(d.status is DeliveryStatus.PENDING for d in deliveries(app)), (
        "nothing may die during a 10-minute outage"
    )

    smtp.start()
    hook.start()
    team_hook.start()
    for _ in range(6):
        app.clock.advance(minutes=1)
        app.drain()

    rows = deliveries(app)
    assert rows and all(d.status is DeliveryStatus.DELIVERED for d in rows)
    mail_ids = Counter(m.message_id for m in smtp.received())
    assert len(mail_ids) == len([d for d in rows if d.channel is Channel.EMAIL])
    assert max(mail_ids.values()) == 1
    hook_ids = Counter(r.headers["X-Warroom-Delivery"] for r in hook.received())
    hook_ids.update(r.headers["X-Warroom-Delivery"] for r in team_hook.received())
    assert len(hook_ids) == len([d for d in rows if d.channel is Channel.WEBHOOK])
    assert max(hook_ids.values()) == 1


def documented_verify() -> Callable[..., bool]:
    """The ``verify`` function exactly as docs/notifications.md shows it to receivers."""
    docs = (Path(__file__).parents[2] / "docs" / "notifications.md").read_text()
    [snippet] = [
        block
        for block in re.findall(r"```python\n(.*?)```", docs, re.DOTALL)
        if "def verify(" in block
    ]
    namespace: dict[str, Any] = {}
    exec(compile(snippet, "docs/notifications.md", "exec"), namespace)
    verify: Callable[..., bool] = namespace["verify"]
    return verify


def test_the_verify_function_in_the_docs_accepts_a_real_request_and_nothing_else(
    engine: Engine, tmp_path: Path, smtp: SmtpSink, hook: HttpSink
) -> None:
    verify = documented_verify()
    start = datetime.now(UTC).replace(microsecond=0)  # the recipe checks the age on a real clock
    with notify_app(engine, tmp_path, smtp, hook, start=start) as app:
        app.declare(title="Slow search", severity="SEV3", team="search")
        app.drain()
    [request] = hook.received()
    headers, body = request.headers, request.body

    assert verify(HOOK_SECRET.encode(), headers, body) is True
    assert verify(b"another secret", headers, body) is False
    assert verify(HOOK_SECRET.encode(), headers, body.replace(b"Slow", b"Fast")) is False
    old = str(int(start.timestamp()) - 3600)  # correctly signed, but an hour old: a replay
    resigned = hmac.new(HOOK_SECRET.encode(), old.encode() + b"." + body, hashlib.sha256)
    replayed = {
        **headers,
        "X-Warroom-Timestamp": old,
        "X-Warroom-Signature": f"sha256={resigned.hexdigest()}",
    }
    assert verify(HOOK_SECRET.encode(), replayed, body) is False
    assert verify(HOOK_SECRET.encode(), replayed, body, tolerance=7200) is True
