"""A page sent while the database goes away is settled once it is back, and sent once.

The send has happened when the settle finds the database away: left ``sending``, the row
would be sent again by whoever claims it when its lease runs out. So the settle is tried
again (within half the lease) until the database answers.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from sqlalchemy import Engine
from structlog.testing import capture_logs

from tests.notify.helpers import PUBLIC_URL, deliveries, notify_app
from tests.support.api import Harness
from tests.support.outage import database_away
from tests.support.postgres import PostgresServer, fresh_database
from tests.support.sinks import HttpSink, SmtpSink
from warroom.db.engine import make_engine, make_session_factory
from warroom.notify.channels import SendContext
from warroom.notify.delivery_worker import OutboxSender
from warroom.notify.models import Channel, DeliveryStatus

AWAY_SECONDS = 1.0


@pytest.fixture
def postgres_engine(postgres_server: PostgresServer, postgres_template: str) -> Iterator[Engine]:
    """On PostgreSQL: there the database refuses every connection while away (a settle is
    an UPDATE in place, which a full SQLite file may still hold)."""
    with fresh_database(postgres_server, "test", postgres_template) as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


def test_a_settle_that_finds_the_database_away_is_retried_and_the_page_sent_once(
    postgres_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARROOM_TEST_HOOK_SECRET", "s3cret")
    with (
        SmtpSink() as smtp,
        HttpSink() as hook,
        notify_app(postgres_engine, tmp_path, smtp, hook) as app,
    ):
        smtp.reject_with = "451 try later"
        app.declare(title="Card payments failing", severity="SEV2", team="payments")
        app.drain()  # enqueued; the first attempt was refused
        smtp.reject_with = None
        app.clock.advance(minutes=10)
        settled = send_with_the_database_away_before_the_settle(app)

    [page] = [d for d in deliveries(app, channel=Channel.EMAIL) if d.target == "alice@example.com"]
    assert page.status is DeliveryStatus.DELIVERED
    assert page.id in settled
    assert len([m for m in smtp.received() if "alice@example.com" in m.recipients]) == 1


def send_with_the_database_away_before_the_settle(app: Harness) -> list[int]:
    worker = app.app.state.worker
    [sender] = [stage for stage in worker.own_thread if isinstance(stage, OutboxSender)]
    session_factory = make_session_factory(app.engine)
    now = app.clock()
    claimed = sender.claim(session_factory, now)
    assert claimed
    config = app.live_config.current
    context = SendContext(config, PUBLIC_URL, sender.key(session_factory, now), now)
    outcomes = [sender.attempt(delivery, context) for delivery in claimed]
    assert [outcome.error for outcome in outcomes] == [None] * len(claimed)
    away = ExitStack()
    away.enter_context(database_away(app.engine))
    back = threading.Timer(AWAY_SECONDS, away.close)
    back.start()
    try:
        with capture_logs() as logs:
            for delivery, outcome in zip(claimed, outcomes, strict=True):
                sender.settle_while_leased(session_factory, config, delivery, outcome)
    finally:
        back.join()
    events = [(e["event"], e.get("part")) for e in logs if e["event"].startswith("database")]
    assert events == [
        ("database_unavailable", "outbox settle"),
        ("database_available", "outbox settle"),
    ]
    return [delivery.id for delivery in claimed]
