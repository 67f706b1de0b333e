"""Helpers shared by the alert pipeline tests: Alertmanager payloads, custom configs, reads."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Engine

from tests.support.api import Harness, running_app
from tests.support.clock import FakeClock

KEY = "am-test-key-0123456789"
WEBHOOK = f"/ingest/alertmanager/{KEY}"
TEST_CONFIG = Path(__file__).parent.parent / "fixtures" / "warroom.yaml"
ZERO_TIME = "0001-01-01T00:00:00Z"


def am_alert(
    alertname: str = "HighLatency",
    *,
    status: str = "firing",
    starts: str = "2026-03-02T08:55:00Z",
    ends: str | None = None,
    fingerprint: str | None = None,
    annotations: dict[str, str] | None = None,
    **labels: str,
) -> dict[str, Any]:
    """One alert as Alertmanager's webhook (version 4) sends it."""
    alert: dict[str, Any] = {
        "status": status,
        "labels": {"alertname": alertname, **labels},
        "annotations": {"summary": "p99 > 1s"} if annotations is None else annotations,
        "startsAt": starts,
        "endsAt": ends or (ZERO_TIME if status == "firing" else "2026-03-02T09:30:00Z"),
        "generatorURL": "http://prometheus:9090/graph",
    }
    if fingerprint is not None:
        alert["fingerprint"] = fingerprint
    return alert


def am_notification(*alerts: dict[str, Any], group_key: str = "{}:{}") -> dict[str, Any]:
    firing = any(a["status"] == "firing" for a in alerts)
    return {
        "receiver": "warroom",
        "status": "firing" if firing else "resolved",
        "alerts": list(alerts),
        "groupLabels": {},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "version": "4",
        "groupKey": group_key,
        "truncatedAlerts": 0,
    }


def send(api: Harness, *alerts: dict[str, Any], group_key: str = "{}:{}", key: str = KEY) -> None:
    """Deliver one webhook notification and run the worker until it is idle."""
    answer = api.ingest(
        f"/ingest/alertmanager/{key}", json=am_notification(*alerts, group_key=group_key)
    )
    assert answer.status_code == 200, answer.text
    api.drain()


def alerts(api: Harness, **params: Any) -> list[dict[str, Any]]:
    """Alerts, oldest first."""
    page = api.ok("GET", "/api/v1/alerts", params={"limit": 200, **params})
    items: list[dict[str, Any]] = page["items"]
    return sorted(items, key=lambda a: a["id"])


def only_alert(api: Harness, **params: Any) -> dict[str, Any]:
    found = alerts(api, **params)
    assert len(found) == 1, found
    alert: dict[str, Any] = api.ok("GET", f"/api/v1/alerts/{found[0]['id']}")
    return alert


def incidents(api: Harness, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = api.ok("GET", "/api/v1/incidents", params=params)["items"]
    return sorted(items, key=lambda i: i["number"])


def timeline_kinds(api: Harness, ref: str) -> list[str]:
    entries = api.ok("GET", f"/api/v1/incidents/{ref}/timeline")["entries"]
    return [e["kind"] for e in entries]


def integration(api: Harness, slug: str = "am") -> dict[str, Any]:
    for item in api.ok("GET", "/api/v1/integrations"):
        if item["slug"] == slug:
            found: dict[str, Any] = item
            return found
    raise AssertionError(f"integration {slug} is not listed")


def event_kinds(alert: dict[str, Any]) -> list[str]:
    return [e["kind"] for e in alert["events"]]


def config_doc() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(TEST_CONFIG.read_text())
    return doc


@contextmanager
def custom_app(
    engine: Engine, tmp_path: Path, change: Callable[[dict[str, Any]], None]
) -> Iterator[Harness]:
    """The test organisation with ``change`` applied to its YAML, on ``engine``."""
    doc = config_doc()
    change(doc)
    path = tmp_path / "warroom.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    with running_app(engine, path, FakeClock()) as harness:
        yield harness
