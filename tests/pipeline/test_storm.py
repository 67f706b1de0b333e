"""An alert storm collapses into one incident that pages once, with every alert attached and
counted (the scaled-down shape of bench/storm: every target of one service fires)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select, text

from tests.alerts.support import KEY, am_alert, am_notification, custom_app
from warroom.alerts.models import Alert
from warroom.incidents.models import Incident
from warroom.ingest.models import Signal

TARGETS = 200
PER_TARGET = 5
PER_POST = 64


def storm_config(doc: dict[str, Any]) -> None:
    doc["people"] = [
        {"username": "oncall", "name": "On Call", "contacts": [{"kind": "email", "target": "o@x"}]}
    ]
    doc["escalation_policies"] = [
        {"slug": "checkout", "name": "Checkout", "steps": [{"notify_users": ["oncall"]}]}
    ]
    for team in doc["teams"]:
        if team["slug"] == "checkout":
            team["escalation_policy"] = "checkout"
    doc["notifications"] = {
        "email": {"host": "127.0.0.1", "port": 9, "from_address": "warroom@example.com"}
    }


def storm_alerts() -> list[dict[str, Any]]:
    return [
        am_alert(
            f"Storm{name}",
            fingerprint=f"{target:05d}{name:02d}",
            instance=f"pod-{target}",
            service="checkout-queue",  # the rule queue-by-service groups by service
            severity="critical",
        )
        for target in range(TARGETS)
        for name in range(PER_TARGET)
    ]


def test_a_storm_of_one_service_makes_one_incident_that_pages_once(
    engine: Engine, tmp_path: Path
) -> None:
    alerts = storm_alerts()
    with custom_app(engine, tmp_path, storm_config) as api:
        for start in range(0, len(alerts), PER_POST):
            body = am_notification(*alerts[start : start + PER_POST], group_key=f"g{start}")
            answer = api.ingest(f"/ingest/alertmanager/{KEY}", json=body)
            assert answer.status_code == 200, answer.text
        # ...and Prometheus sends it all again while it fires (joining signals).
        for start in range(0, len(alerts), PER_POST):
            body = am_notification(*alerts[start : start + PER_POST], group_key=f"g{start}")
            assert api.ingest(f"/ingest/alertmanager/{KEY}", json=body).status_code == 200
        api.drain()

        with api.app.state.session_factory() as session:
            incidents = list(session.scalars(select(Incident)))
            assert len(incidents) == 1
            incident = incidents[0]
            attached = session.scalar(
                select(func.count()).select_from(Alert).where(Alert.incident_id == incident.id)
            )
            assert attached == TARGETS * PER_TARGET
            assert incident.alert_count == TARGETS * PER_TARGET
            assert incident.services[0].service == "checkout-queue"
            pages = session.execute(
                text("SELECT username FROM pages WHERE incident_id = :i"), {"i": incident.id}
            ).all()
            assert [p.username for p in pages] == ["oncall"]
            pending = session.scalar(
                select(func.count()).select_from(Signal).where(Signal.processed_at.is_(None))
            )
            assert pending == 0
            outcomes = dict(
                session.execute(select(Signal.outcome, func.count()).group_by(Signal.outcome)).all()
            )
            assert {k.value: v for k, v in outcomes.items()} == {
                "opened": TARGETS * PER_TARGET,
                "duplicate": TARGETS * PER_TARGET,
            }
        detail = api.ok("GET", f"/api/v1/incidents/{incident.ref}")
        assert detail["alert_count"] == TARGETS * PER_TARGET
        # The timeline says which alerts joined, a line per batch: together, every one.
        entries = api.ok("GET", f"/api/v1/incidents/{incident.ref}/timeline")["entries"]
        attached = [e for e in entries if e["kind"] == "alert_attached"]
        ids: list[int] = []
        for entry in attached:
            after = entry["after"]
            if "alerts" in after:
                assert entry["text"].startswith(f"{len(after['alerts']):,} alerts attached")
                assert entry["text"].endswith(f"and {len(after['alerts']) - 1:,} more")
                ids += after["alerts"]
            else:
                ids.append(after["alert"])
        assert len(ids) == len(set(ids)) == TARGETS * PER_TARGET
        # A line per batch, not per alert: batches of at least 50 on average (how many
        # batches a storm takes depends on the machine's load: a turn ends after 20 ms).
        assert len(attached) <= len(ids) // 50
