"""The signal pipeline as a whole: one worker round is fair across integrations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from tests.alerts.support import alerts, am_alert, am_notification, custom_app, integration
from tests.support.api import Harness
from warroom.ingest.models import Signal, SignalOutcome
from warroom.pipeline import signals as pipeline
from warroom.pipeline.signals import BATCH_PER_INTEGRATION

FLOOD_KEY = "aaa-flood-key-0123456789"
QUIET_KEY = "zzz-quiet-key-0123456789"
FLOOD = 2000
QUIET = 5


def two_integrations(doc: dict[str, Any]) -> None:
    # Named so that the flooding integration sorts first: it gets no head start from its name.
    doc["integrations"] += [
        {"slug": "aaa-flood", "kind": "alertmanager", "key": FLOOD_KEY},
        {"slug": "zzz-quiet", "kind": "alertmanager", "key": QUIET_KEY},
    ]
    doc["alert_rules"] = [{"name": "notify-everything", "action": "notify"}]


def flood(api: Harness, key: str, count: int) -> None:
    body = am_notification(*(am_alert("Flood", instance=str(n)) for n in range(count)))
    answer = api.ingest(f"/ingest/alertmanager/{key}", json=body)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"status": "ok", "signals": count}


def test_a_flooding_integration_does_not_delay_another_ones_alerts(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "BATCH_SECONDS", 60.0)  # the count bound, not the time one
    with custom_app(engine, tmp_path, two_integrations) as api:
        flood(api, FLOOD_KEY, FLOOD)
        flood(api, QUIET_KEY, QUIET)

        api.app.state.worker.run_once()  # ONE round

        quiet = alerts(api, integration="zzz-quiet")
        assert len(quiet) == QUIET
        assert all(a["decision"] == "notify" for a in quiet)
        assert integration(api, "zzz-quiet")["signals"] == {"opened": QUIET}
        # The flood got one bounded batch in that round; the rest waits for later rounds.
        assert integration(api, "aaa-flood")["signals"] == {
            "opened": BATCH_PER_INTEGRATION,
            "pending": FLOOD - BATCH_PER_INTEGRATION,
        }


def test_a_transaction_stops_once_its_time_is_up_and_the_rest_goes_in_the_next_one(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "BATCH_SECONDS", 0.0)  # every signal overruns it
    with custom_app(engine, tmp_path, two_integrations) as api:
        flood(api, FLOOD_KEY, 3)
        factory = api.app.state.session_factory
        config = api.app.state.live_config.current

        with factory() as session:  # one transaction: the first signal always runs
            assert pipeline.process_integration(session, config, "aaa-flood", api.clock()) == 1
            session.commit()
        assert integration(api, "aaa-flood")["signals"] == {"opened": 1, "pending": 2}

        api.app.state.worker.run_once()  # the round goes on in new transactions
        assert integration(api, "aaa-flood")["signals"] == {"opened": 3}


def test_a_signal_that_fails_is_dropped_with_the_reason_and_the_rest_of_its_batch_goes_on(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The batch runs without savepoints; a failure rolls it back and it runs again with one
    savepoint per signal, so only the failing signal is dropped."""
    evaluate = pipeline.rules.evaluate
    calls: list[str] = []

    def failing_for_instance_1(session: Any, config: Any, alert: Any, now: Any) -> None:
        calls.append(alert.labels["instance"])
        if alert.labels["instance"] == "1":
            raise RuntimeError("a bug in a rule")
        evaluate(session, config, alert, now)

    monkeypatch.setattr(pipeline.rules, "evaluate", failing_for_instance_1)
    monkeypatch.setattr(pipeline, "BATCH_SECONDS", 60.0)  # the three in one batch
    with custom_app(engine, tmp_path, two_integrations) as api:
        flood(api, FLOOD_KEY, 3)

        api.app.state.worker.run_once()

        assert calls == ["0", "1", "0", "1", "2"]  # the batch ran again after the failure
        assert integration(api, "aaa-flood")["signals"] == {"opened": 2, "dropped": 1}
        stored = alerts(api, integration="aaa-flood")
        assert sorted(a["labels"]["instance"] for a in stored) == ["0", "2"]
        assert all(a["decision"] == "notify" for a in stored)
        with api.app.state.session_factory() as session:
            dropped = session.scalars(
                select(Signal).where(Signal.outcome == SignalOutcome.DROPPED)
            ).one()
        assert dropped.outcome_reason == "processing failed: RuntimeError: a bug in a rule"
        assert dropped.alert_id is None  # its alert was rolled back with its savepoint
