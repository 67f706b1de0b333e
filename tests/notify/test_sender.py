"""The outbox sender stage: racing senders, expired leases, parallel sends, metrics, and how
a webhook receiver's answer decides between retrying and giving up."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from tests.notify.helpers import config_text, deliveries, notify_app
from tests.support.api import Harness
from tests.support.clock import FakeClock
from tests.support.sinks import HttpSink, ReceivedRequest, SmtpSink, free_port
from warroom.config import LiveConfig
from warroom.db.engine import make_session_factory
from warroom.notify import outbox
from warroom.notify.channels import DeliveryFailed, SendContext
from warroom.notify.channels.http_webhook import WebhookSender
from warroom.notify.delivery_worker import OutboxSender
from warroom.notify.models import Channel, Delivery, DeliveryStatus, Purpose
from warroom.settings import Settings


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
def live(tmp_path: Path, smtp: SmtpSink, hook: HttpSink) -> LiveConfig:
    path = tmp_path / "warroom.yaml"
    path.write_text(config_text(smtp.port, hook.url))
    return LiveConfig(path)


def put_webhooks(engine: Engine, live: LiveConfig, clock: FakeClock, url: str, count: int) -> None:
    with make_session_factory(engine)() as session:
        for number in range(count):
            outbox.enqueue(
                session,
                live.current,
                channel=Channel.WEBHOOK,
                target=url,
                purpose=Purpose.EVENT,
                payload={"event": "test", "number": number},
                key=f"test:{url}:{number}",
                now=clock(),
            )
        session.commit()


def rows(engine: Engine) -> list[Delivery]:
    with make_session_factory(engine)() as session:
        return list(session.scalars(select(Delivery).order_by(Delivery.id)))


def test_two_senders_racing_deliver_each_delivery_exactly_once(
    engine: Engine, live: LiveConfig, hook: HttpSink
) -> None:
    clock = FakeClock()
    put_webhooks(engine, live, clock, hook.url, 40)
    session_factory = make_session_factory(engine)
    start = threading.Barrier(2)
    claimed: dict[str, int] = {}

    def run(name: str) -> None:
        sender = OutboxSender(Settings(), clock, batch=2, parallel=1)
        start.wait()
        total = 0
        while (done := sender(session_factory, live, clock())) > 0:
            total += done
        claimed[name] = total

    threads = [threading.Thread(target=run, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    per_delivery = Counter(r.headers["X-Warroom-Delivery"] for r in hook.received())
    assert len(per_delivery) == 40
    assert set(per_delivery.values()) == {1}
    assert claimed["a"] + claimed["b"] == 40
    assert claimed["a"] > 0 and claimed["b"] > 0, claimed
    assert {row.status for row in rows(engine)} == {DeliveryStatus.DELIVERED}
    assert {row.attempts for row in rows(engine)} == {1}


def test_a_delivery_whose_sender_died_mid_send_is_sent_again_once_its_lease_runs_out(
    engine: Engine, live: LiveConfig, hook: HttpSink
) -> None:
    clock = FakeClock()
    put_webhooks(engine, live, clock, hook.url, 2)
    with make_session_factory(engine)() as session:
        orphan, in_flight = session.scalars(select(Delivery).order_by(Delivery.id))
        for row, lease in ((orphan, -1), (in_flight, +60)):
            row.status = DeliveryStatus.SENDING
            row.attempts = 1
            row.lease_until = clock() + timedelta(seconds=lease)
        session.commit()

    OutboxSender(Settings(), clock)(make_session_factory(engine), live, clock())

    orphan, in_flight = rows(engine)
    assert orphan.status is DeliveryStatus.DELIVERED and orphan.attempts == 2
    assert in_flight.status is DeliveryStatus.SENDING and in_flight.attempts == 1
    assert [r.headers["X-Warroom-Delivery"] for r in hook.received()] == [orphan.key]


def test_a_slow_receiver_does_not_hold_back_the_other_deliveries_of_the_round(
    engine: Engine, live: LiveConfig, hook: HttpSink
) -> None:
    def slowly(request: ReceivedRequest) -> tuple[int, bytes]:
        time.sleep(2)
        return 200, b"ok"

    clock = FakeClock()
    with HttpSink(respond=slowly) as slow:
        put_webhooks(engine, live, clock, slow.url, 1)
        put_webhooks(engine, live, clock, hook.url, 3)
        sender = OutboxSender(Settings(), clock, parallel=4)
        round_ = threading.Thread(target=sender, args=(make_session_factory(engine), live, clock()))
        round_.start()
        hook.wait_for(3, timeout=1.5)
        assert round_.is_alive(), "the fast deliveries must not wait for the slow one"
        round_.join(timeout=10)
        assert len(slow.received()) == 1
    assert {row.status for row in rows(engine)} == {DeliveryStatus.DELIVERED}


def metric(app: Harness, channel: str, outcome: str) -> float:
    text: str = app.get("/metrics").text
    name = f'warroom_notification_deliveries_total{{channel="{channel}",outcome="{outcome}"}}'
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    return 0.0


def test_metrics_count_sent_failed_and_dead_deliveries(
    engine: Engine, tmp_path: Path, smtp: SmtpSink, hook: HttpSink
) -> None:
    with notify_app(engine, tmp_path, smtp, hook) as app:
        hook.status = 503
        app.declare(title="Card payments failing", severity="SEV1", team="payments")
        app.drain()
        emails = deliveries(app, channel=Channel.EMAIL)
        assert emails and all(d.status is DeliveryStatus.DELIVERED for d in emails)
        assert metric(app, "email", "sent") == len(emails)
        assert metric(app, "webhook", "failed") == 1

        hook.status = 404
        app.clock.advance(minutes=2)
        app.drain()
        assert metric(app, "webhook", "failed") == 1
        assert metric(app, "webhook", "dead") == 1
        assert metric(app, "webhook", "sent") == 0


@pytest.mark.parametrize(
    ("status", "retryable"),
    [
        (408, True),
        (429, True),
        (500, True),
        (503, True),
        (400, False),
        (401, False),
        (404, False),
        (410, False),
    ],
)
def test_a_webhook_answer_decides_between_retry_and_giving_up(
    live: LiveConfig, hook: HttpSink, status: int, retryable: bool
) -> None:
    hook.status = status
    delivery = Delivery(
        key="event:1",
        channel=Channel.WEBHOOK,
        target=hook.url,
        payload={"event": "test"},
        created_at=FakeClock()(),
    )
    context = SendContext(live.current, "http://testserver", b"k" * 32, FakeClock()())

    with pytest.raises(DeliveryFailed) as failed:
        WebhookSender().send(delivery, context)

    assert failed.value.retryable is retryable
    assert f"HTTP {status}" in str(failed.value)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("120", 120.0), ("Mon, 02 Mar 2026 09:05:00 GMT", 300.0), ("soon", None)],
)
def test_a_webhook_receivers_retry_after_is_kept_in_seconds(
    live: LiveConfig, hook: HttpSink, header: str, seconds: float | None
) -> None:
    hook.status = 503
    hook.headers = {"Retry-After": header}
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    delivery = Delivery(
        key="event:1",
        channel=Channel.WEBHOOK,
        target=hook.url,
        payload={"event": "test"},
        created_at=now,
    )
    context = SendContext(live.current, "http://testserver", b"k" * 32, now)

    with pytest.raises(DeliveryFailed) as failed:
        WebhookSender().send(delivery, context)

    assert failed.value.retryable is True
    assert failed.value.retry_after == seconds


def test_a_webhook_receiver_that_is_down_is_retried(live: LiveConfig) -> None:
    delivery = Delivery(
        key="event:1",
        channel=Channel.WEBHOOK,
        target=f"http://127.0.0.1:{free_port()}/hook",
        payload={"event": "test"},
        created_at=FakeClock()(),
    )
    context = SendContext(live.current, "http://testserver", b"k" * 32, FakeClock()())

    with pytest.raises(DeliveryFailed) as failed:
        WebhookSender().send(delivery, context)

    assert failed.value.retryable is True
    assert "Connect" in str(failed.value)
