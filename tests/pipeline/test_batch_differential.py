"""The batched pipeline decides as if it took the signals one at a time: the same random
script of triggers, repeats and resolves goes to two databases; one is processed in
batches of up to 500 signals, the other one signal per batch, and their alerts, alert
histories, decisions, incidents and signal outcomes must be equal."""

from __future__ import annotations

import random
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from tests.alerts.support import KEY, am_alert, am_notification, custom_app
from tests.support.api import Harness
from warroom.alerts.models import Alert, AlertEvent
from warroom.incidents.models import Incident
from warroom.ingest.models import Signal
from warroom.pipeline import claim
from warroom.pipeline import signals as pipeline

NAMES = ("HighLatency", "NoisyDisk", "DatacenterDown", "ServiceUnreachable", "ErrorRate")
STARTS = ("2026-03-02T08:50:00Z", "2026-03-02T08:55:00Z", "2026-03-02T09:00:00Z")


def script(seed: int, steps: int) -> list[dict[str, Any]]:
    """Webhook notifications of one or a few alerts each: new alerts, repeats, new
    occurrences (a later startsAt), changed annotations, resolves, re-fires (flapping)."""
    rng = random.Random(seed)
    notifications = []
    for _ in range(steps):
        alerts = []
        for _ in range(rng.choice((1, 1, 2, 3))):
            number = rng.randrange(24)
            name = NAMES[number % len(NAMES)]
            labels = {
                "instance": f"host-{number}",
                "datacenter": f"dc{number % 2}",
                "severity": "warning" if name == "NoisyDisk" else "critical",
                "team": "payments",
            }
            status = "resolved" if rng.random() < 0.25 else "firing"
            alerts.append(
                am_alert(
                    name,
                    status=status,
                    starts=rng.choice(STARTS),
                    fingerprint=f"fp{number:04d}",
                    annotations={"summary": f"value {rng.randrange(3)}"},
                    **labels,
                )
            )
        group = f"{{}}:{{alertname={alerts[0]['labels']['alertname']!r}}}"
        notifications.append(am_notification(*alerts, group_key=group))
    return notifications


def run(api: Harness, notifications: list[dict[str, Any]], batch_size: int) -> None:
    for body in notifications:
        answer = api.ingest(f"/ingest/alertmanager/{KEY}", json=body)
        assert answer.status_code == 200, answer.text
    factory = api.app.state.session_factory
    config = api.app.state.live_config.current
    while True:
        with factory() as session:
            done = pipeline.process_integration(session, config, "am", api.clock(), batch_size)
            session.commit()
        if done == 0:
            break


def snapshot(api: Harness) -> dict[str, Any]:
    """Everything the pipeline decided, with database ids replaced by identities."""
    with api.app.state.session_factory() as session:
        alerts = list(session.scalars(select(Alert).order_by(Alert.id)))
        names = {a.id: f"{a.identity}#{n}" for n, a in _episodes(alerts)}
        events: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for event in session.scalars(select(AlertEvent).order_by(AlertEvent.id)):
            events[event.alert_id].append((event.kind.value, _named(event.text, names)))
        incidents = {i.id: i for i in session.scalars(select(Incident))}
        members: dict[int, list[str]] = defaultdict(list)
        for alert in alerts:
            if alert.incident_id is not None:
                members[alert.incident_id].append(names[alert.id])
        signals = [
            (s.identity, s.outcome.value if s.outcome else None, s.outcome_reason)
            for s in session.scalars(select(Signal).order_by(Signal.id))
        ]
    rows = {}
    for alert in alerts:
        decided = [text for kind, text in events[alert.id] if kind == "decided"]
        rows[names[alert.id]] = {
            "status": alert.status.value,
            "occurrences": alert.occurrences,
            "flapping": alert.flapping,
            "muted_by": _named(alert.muted_by or "", names),
            "decision": alert.decision.value,
            "rule": alert.rule,
            "team": alert.team,
            "ends_at": alert.ends_at,
            "annotations": alert.annotations,
            "incident": sorted(members[alert.incident_id]) if alert.incident_id else None,
            # Order within a batch differs (dedup writes its lines before the rules'), and
            # a rule that waits says so once per batch: the lines as a set, the last word.
            "history": sorted(set(line for line in events[alert.id] if line[0] != "decided")),
            "last_decision": _named(decided[-1], names) if decided else None,
        }
    counts = sorted((incidents[i].alert_count, len(m)) for i, m in members.items())
    return {"alerts": rows, "incident_counts": counts, "signals": signals}


def _episodes(alerts: list[Alert]) -> list[tuple[int, Alert]]:
    seen: dict[str, int] = defaultdict(int)
    numbered = []
    for alert in alerts:
        seen[alert.identity] += 1
        numbered.append((seen[alert.identity], alert))
    return numbered


def _named(text: str, names: dict[int, str]) -> str:
    text = re.sub(r"alert (\d+)", lambda m: f"alert {names.get(int(m.group(1)), '?')}", text)
    return re.sub(r"INC-\d+", "INC", text)


def with_rules(doc: dict[str, Any]) -> None:
    doc["alert_rules"] = [
        {
            "name": "noisy-warnings",
            "matchers": ['severity="warning"'],
            "after_occurrences": 2,
            "within": "10m",
            "group_by": "group_key",
        },
        {"name": "default", "matchers": ['severity="critical"'], "group_by": "group_key"},
    ]
    doc["alerts"] = {"flapping": {"transitions": 3, "within": "1h"}}


@pytest.mark.parametrize("seed", range(1, 9))
def test_batches_decide_exactly_as_one_signal_at_a_time(
    engine: Engine,
    other_engine: Engine,
    tmp_path: Path,
    seed: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # On PostgreSQL a batch takes a few identity shards, so alerts of different shards may
    # be decided out of their arrival order (each alert's own signals never are); taking
    # every shard keeps one order to compare against.
    monkeypatch.setattr(claim, "SHARDS_PER_BATCH", claim.SHARDS)
    notifications = script(seed, steps=120)
    (tmp_path / "batched").mkdir()
    (tmp_path / "single").mkdir()
    with custom_app(engine, tmp_path / "batched", with_rules) as batched:
        run(batched, notifications, batch_size=500)
        batched_rows = snapshot(batched)
    with custom_app(other_engine, tmp_path / "single", with_rules) as single:
        run(single, notifications, batch_size=1)
        single_rows = snapshot(single)

    assert batched_rows["signals"] == single_rows["signals"]
    assert batched_rows["alerts"].keys() == single_rows["alerts"].keys()
    for name, row in batched_rows["alerts"].items():
        assert row == single_rows["alerts"][name], name
    assert batched_rows["incident_counts"] == single_rows["incident_counts"]
    # The script exercises what it should: incidents, attachments, flapping, inhibition.
    decisions = {row["decision"] for row in batched_rows["alerts"].values()}
    assert {"incident", "attached"} <= decisions
    assert any(row["flapping"] for row in batched_rows["alerts"].values())
    assert all(count == linked for count, linked in batched_rows["incident_counts"])
