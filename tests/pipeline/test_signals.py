"""The signal pipeline as a whole: one worker round is fair across integrations, batches are
bounded, and a failing signal is dropped alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from tests.alerts.support import alerts, am_alert, am_notification, custom_app, integration
from tests.support.api import Harness
from warroom.ingest.models import Signal, SignalOutcome
from warroom.pipeline import signals as pipeline
from warroom.route import rules

FLOOD_KEY = "aaa-flood-key-0123456789"
QUIET_KEY = "zzz-quiet-key-0123456789"
FLOOD = 3000
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
        # The flood got one small batch in that round; the rest waits for later rounds.
        assert integration(api, "aaa-flood")["signals"] == {
            "opened": pipeline.SHARED_BATCH_SIZE,
            "pending": FLOOD - pipeline.SHARED_BATCH_SIZE,
        }

        api.app.state.worker.run_once()  # alone now: big batches, a bigger turn
        assert integration(api, "aaa-flood")["signals"] == {
            "opened": pipeline.SHARED_BATCH_SIZE + pipeline.BATCH_PER_INTEGRATION,
            "pending": FLOOD - pipeline.SHARED_BATCH_SIZE - pipeline.BATCH_PER_INTEGRATION,
        }


def test_a_turn_takes_no_further_batch_once_its_time_is_up(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "BATCH_SIZE", 1)
    monkeypatch.setattr(pipeline, "BATCH_SECONDS", 0.0)  # every batch overruns it
    with custom_app(engine, tmp_path, two_integrations) as api:
        flood(api, FLOOD_KEY, 3)
        factory = api.app.state.session_factory
        config = api.app.state.live_config.current

        with factory() as session:  # one transaction takes at most its limit
            assert pipeline.process_integration(session, config, "aaa-flood", api.clock(), 2) == 2
            session.commit()
        assert integration(api, "aaa-flood")["signals"] == {"opened": 2, "pending": 1}

        flood(api, FLOOD_KEY, 3)  # three more (repeats of the same three alerts)
        api.app.state.worker.run_once()  # ONE round: one batch of one, then time is up
        assert integration(api, "aaa-flood")["signals"] == {"opened": 3, "pending": 3}

        api.app.state.worker.drain()  # the next rounds go on
        assert integration(api, "aaa-flood")["signals"] == {"opened": 3, "duplicate": 3}


def test_a_signal_that_fails_is_dropped_with_the_reason_and_the_rest_of_its_batch_goes_on(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure rolls the batch back (to its savepoint) and it runs again one signal at a
    time, each in a savepoint of its own, so only the failing signal is dropped."""
    decide = rules.decide
    calls: list[str] = []

    def failing_for_instance_1(session: Any, config: Any, alert: Any, history: Any) -> Any:
        calls.append(alert.labels["instance"])
        if alert.labels["instance"] == "1":
            raise RuntimeError("a bug in a rule")
        return decide(session, config, alert, history)

    monkeypatch.setattr(rules, "decide", failing_for_instance_1)
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
