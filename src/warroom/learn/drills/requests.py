"""What a drill sends to intake: the HTTP request each kind of scenario makes, as its
sender would (Alertmanager's webhook, a PagerDuty Events v2 event, a Sentry SDK's store
request), carrying the drill's mark."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from warroom.config import Config
from warroom.config.drills import DrillKind, DrillScenario
from warroom.ingest.drill import DRILL_LABEL
from warroom.problems import InvalidInput

SENTRY_LEVELS = {"critical": "fatal", "error": "error", "warning": "warning", "info": "info"}


@dataclass(frozen=True)
class IntakeRequest:
    path: str
    body: bytes
    headers: dict[str, str]


def _json(doc: object) -> bytes:
    return orjson.dumps(doc)


def _labels(scenario: DrillScenario, token: str) -> dict[str, str]:
    return {"team": scenario.team, **scenario.labels, DRILL_LABEL: token}


def alertmanager_request(
    config: Config, scenario: DrillScenario, token: str, now: datetime
) -> IntakeRequest:
    integration = config.integration(scenario.integration or "")
    if integration is None:
        raise InvalidInput(f"unknown integration '{scenario.integration}'", field="integration")
    labels = {
        "alertname": scenario.title,
        "severity": scenario.signal_severity,
        **_labels(scenario, token),
    }
    alert = {
        "status": "firing",
        "labels": labels,
        "annotations": {"description": f"Game day drill {scenario.name}: {scenario.title}"},
        "startsAt": now.isoformat(),
        "endsAt": "0001-01-01T00:00:00Z",
        "fingerprint": token[:16],
    }
    doc = {
        "version": "4",
        "status": "firing",
        "receiver": "warroom",
        "groupKey": f'{{}}:{{warroom_drill="{token}"}}',
        "groupLabels": {DRILL_LABEL: token},
        "commonLabels": labels,
        "commonAnnotations": alert["annotations"],
        "externalURL": "",
        "alerts": [alert],
    }
    return IntakeRequest(
        f"/ingest/alertmanager/{integration.key}",
        _json(doc),
        {"content-type": "application/json"},
    )


def pagerduty_request(
    config: Config, scenario: DrillScenario, token: str, now: datetime
) -> IntakeRequest:
    integration = config.integration(scenario.integration or "")
    if integration is None:
        raise InvalidInput(f"unknown integration '{scenario.integration}'", field="integration")
    doc: dict[str, Any] = {
        "routing_key": integration.key,
        "event_action": "trigger",
        "dedup_key": f"warroom-drill-{token}",
        "payload": {
            "summary": scenario.title,
            "source": f"warroom-drill-{scenario.name}",
            "severity": scenario.signal_severity,
            "timestamp": now.isoformat(),
            "custom_details": _labels(scenario, token),
        },
        "client": "warroom game day",
    }
    return IntakeRequest("/v2/enqueue", _json(doc), {"content-type": "application/json"})


def sentry_request(
    config: Config, scenario: DrillScenario, token: str, now: datetime
) -> IntakeRequest:
    project = config.project(scenario.project or "")
    keys = [key for key in project.keys if not key.disabled] if project is not None else []
    if project is None or not keys:
        raise InvalidInput(
            f"project '{scenario.project}' has no enabled DSN key to send with", field="project"
        )
    event = {
        "event_id": uuid.uuid4().hex,
        "timestamp": now.isoformat(),
        "platform": "other",
        "level": SENTRY_LEVELS.get(scenario.signal_severity, "error"),
        # The token makes the message, and so the issue, the drill's own.
        "message": {"formatted": f"{scenario.title} (drill {token})"},
        "tags": _labels(scenario, token),
        "environment": "production",
    }
    auth = (
        f"Sentry sentry_key={keys[0].public_key}, sentry_version=7, sentry_client=warroom-drill/1"
    )
    return IntakeRequest(
        f"/api/{project.id}/store/",
        _json(event),
        {"content-type": "application/json", "x-sentry-auth": auth},
    )


BUILDERS = {
    DrillKind.ALERTMANAGER: alertmanager_request,
    DrillKind.PAGERDUTY: pagerduty_request,
    DrillKind.SENTRY: sentry_request,
}


def intake_request(
    config: Config, scenario: DrillScenario, token: str, now: datetime
) -> IntakeRequest | None:
    """The HTTP request of the scenario; None for a missed heartbeat, which has none."""
    builder = BUILDERS.get(scenario.kind)
    return builder(config, scenario, token, now) if builder is not None else None
