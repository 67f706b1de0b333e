"""The generic JSON webhook: how the transform renders, and every way a delivery is refused."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.support.api import Harness, running_app
from warroom.ingest.webhook import BODY_LIMIT

CONFIG = Path(__file__).parent / "webhook_payloads" / "warroom.yaml"
GENERIC = "/ingest/webhook/generic-test-key-0123456789"
SANDBOX = "/ingest/webhook/sandbox-test-key-0123456789"
TINY = "/ingest/webhook/tiny-test-key-0123456789"
HOOK = "/ingest/webhook/hook-test-key-0123456789"  # tests/fixtures/warroom.yaml
GRAFANA_ALERT = {"status": "firing", "fingerprint": "x", "labels": {"alertname": "A"}}


@pytest.fixture
def hooks(engine: Engine) -> Iterator[Harness]:
    with running_app(engine, CONFIG) as harness:
        yield harness


def event(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"title": "Disk almost full", "id": "disk-db-1", "state": "firing"}
    body.update(fields)
    return body


def only_alert(api: Harness) -> dict[str, Any]:
    api.drain()
    (alert,) = api.ok("GET", "/api/v1/alerts")["items"]
    result: dict[str, Any] = alert
    return result


def error_of(answer: Any, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    error: dict[str, Any] = answer.json()["error"]
    return error


# --- rendering -------------------------------------------------------------------------------


def test_fixture_webhook_fires_and_resolves(api: Harness) -> None:
    body = {"title": "Backup job failed", "id": "backup-1", "state": "alerting"}
    assert api.ingest(HOOK, json=body).json() == {"status": "ok", "signals": 1}
    alert = only_alert(api)
    assert (alert["title"], alert["identity"], alert["severity"]) == (
        "Backup job failed",
        "backup-1",
        "warning",
    )
    assert (alert["source"], alert["team"]) == ("webhook", "platform")
    assert api.ingest(HOOK, json=body | {"state": "ok"}).status_code == 200
    assert only_alert(api)["status"] == "resolved"


def test_every_field_renders(hooks: Harness) -> None:
    body = event(
        level="critical",
        details={"text": "94% used on /var/lib/postgresql"},
        at="2026-03-02T08:30:00Z",
        env="production",
        team="payments",
        host="db-1",
        kind="disk",
        a={"b": {"c": "deep"}},
        values="not the dict method",
        url="https://grafana.example.com/d/disk",
        other_url="https://runbooks.example.com/disk",
        other_text="Runbook",
    )
    assert hooks.ingest(GENERIC, json=body).json() == {"status": "ok", "signals": 1}
    alert = only_alert(hooks)
    assert alert["title"] == "Disk almost full"
    assert alert["identity"] == "disk-db-1"
    assert alert["severity"] == "critical"
    assert alert["description"] == "94% used on /var/lib/postgresql"
    assert alert["starts_at"].startswith("2026-03-02T08:30:00")
    assert alert["environment"] == "production"
    assert alert["team"] == "payments"
    assert alert["annotations"] == {"source": "db-1"}
    assert alert["labels"] == {"kind": "disk", "deep": "deep", "values": "not the dict method"}
    assert alert["links"] == [
        {
            "href": "https://grafana.example.com/d/disk",
            "text": "https://grafana.example.com/d/disk",
        },
        {"href": "https://runbooks.example.com/disk", "text": "Runbook"},
    ]


def test_missing_keys_render_empty_and_defaults_apply(hooks: Harness) -> None:
    assert hooks.ingest(GENERIC, json=event()).status_code == 200
    alert = only_alert(hooks)
    assert alert["description"] == ""
    assert alert["severity"] is None
    assert alert["labels"] == {}  # empty label values are left out
    assert alert["annotations"] == {}
    assert alert["links"] == []
    assert alert["environment"] == "staging"  # the integration's default
    assert alert["team"] == "checkout"  # the integration's default owner
    assert alert["starts_at"].startswith("2026-03-02T09:00:00")  # when received


def test_links_other_than_http_are_left_out(hooks: Harness) -> None:
    body = event(url="javascript:alert(1)", other_url="https://example.com/ok")
    assert hooks.ingest(GENERIC, json=body).status_code == 200
    assert only_alert(hooks)["links"] == [
        {"href": "https://example.com/ok", "text": "https://example.com/ok"}
    ]


@pytest.mark.parametrize("state", ["firing", "FIRING", "Alerting", "triggered", " active "])
def test_firing_statuses(hooks: Harness, state: str) -> None:
    assert hooks.ingest(GENERIC, json=event(state=state)).status_code == 200
    assert only_alert(hooks)["status"] == "firing"


@pytest.mark.parametrize("state", ["resolved", "OK", "Inactive"])
def test_resolved_statuses(hooks: Harness, state: str) -> None:
    assert hooks.ingest(GENERIC, json=event()).status_code == 200
    hooks.drain()
    assert hooks.ingest(GENERIC, json=event(state=state)).status_code == 200
    assert only_alert(hooks)["status"] == "resolved"


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        ("2026-03-02T08:30:00Z", "2026-03-02T08:30:00"),
        ("2026-03-02T09:30:00+01:00", "2026-03-02T08:30:00"),
        ("2026-03-02T08:30:00.250+0000", "2026-03-02T08:30:00.250"),
        ("2026-03-02 08:30:00", "2026-03-02T08:30:00"),  # no zone: UTC
        (1772440200, "2026-03-02T08:30:00"),
        ("1772440200.5", "2026-03-02T08:30:00.500"),
        (1772440200000, "2026-03-02T08:30:00"),  # milliseconds, told apart by size
        ("0001-01-01T00:00:00Z", "2026-03-02T09:00:00"),  # Go's zero time: not set
    ],
)
def test_starts_at_formats(hooks: Harness, at: Any, expected: str) -> None:
    assert hooks.ingest(GENERIC, json=event(at=at)).status_code == 200
    assert only_alert(hooks)["starts_at"].startswith(expected)


def test_a_list_of_alerts_is_one_signal_when_the_transform_does_not_use_alert(
    hooks: Harness,
) -> None:
    body = event(alerts=[{"title": "a"}, {"title": "b"}])
    assert hooks.ingest(GENERIC, json=body).json() == {"status": "ok", "signals": 1}


def test_long_dedup_keys_are_hashed_not_cut(hooks: Harness) -> None:
    prefix = "k" * 300
    for suffix in ("1", "2"):
        assert hooks.ingest(GENERIC, json=event(id=prefix + suffix)).status_code == 200
    hooks.drain()
    identities = {a["identity"] for a in hooks.ok("GET", "/api/v1/alerts")["items"]}
    assert len(identities) == 2
    assert all(i.startswith("sha256:") and len(i) == 71 for i in identities)


def test_long_titles_are_shortened(hooks: Harness) -> None:
    assert hooks.ingest(GENERIC, json=event(title="t" * 5000)).status_code == 200
    title = only_alert(hooks)["title"]
    assert len(title) == 1024
    assert title.endswith("…")


def test_json_body_is_read_whatever_the_content_type(hooks: Harness) -> None:
    answer = hooks.ingest(
        GENERIC,
        content=gzip.compress(json.dumps(event()).encode()),
        headers={"content-type": "text/plain", "content-encoding": "gzip"},
    )
    assert answer.json() == {"status": "ok", "signals": 1}


def test_a_body_of_exactly_the_limit_is_accepted(hooks: Harness) -> None:
    body = json.dumps(event(pad="")).encode()
    padded = json.dumps(event(pad="x" * (BODY_LIMIT - len(body)))).encode()
    assert len(padded) == BODY_LIMIT
    assert hooks.ingest(GENERIC, content=padded).status_code == 200


# --- refusals --------------------------------------------------------------------------------


def test_missing_title_is_400_naming_it(hooks: Harness) -> None:
    body = event()
    del body["title"]
    assert error_of(hooks.ingest(GENERIC, json=body), 400) == {
        "code": "invalid",
        "message": "transform.title rendered empty",
        "field": "transform.title",
    }


@pytest.mark.parametrize("field", ["id", "state"])
def test_missing_dedup_key_or_status_is_400_naming_it(hooks: Harness, field: str) -> None:
    body = event()
    del body[field]
    name = {"id": "dedup_key", "state": "status"}[field]
    error = error_of(hooks.ingest(GENERIC, json=body), 400)
    assert (error["field"], error["message"]) == (
        f"transform.{name}",
        f"transform.{name} rendered empty",
    )


def test_bad_status_is_400(hooks: Harness) -> None:
    error = error_of(hooks.ingest(GENERIC, json=event(state="pending")), 400)
    assert error == {
        "code": "invalid",
        "message": "transform.status rendered 'pending': expected firing or resolved",
        "field": "transform.status",
    }


@pytest.mark.parametrize("at", ["yesterday", "2026-13-40", "99999999999999999999999"])
def test_bad_starts_at_is_400(hooks: Harness, at: str) -> None:
    error = error_of(hooks.ingest(GENERIC, json=event(at=at)), 400)
    assert error["field"] == "transform.starts_at"
    assert error["message"] == (
        f"transform.starts_at rendered {at!r}: expected ISO 8601 or epoch seconds"
    )


def test_too_long_team_is_400(hooks: Harness) -> None:
    error = error_of(hooks.ingest(GENERIC, json=event(team="t" * 65)), 400)
    assert error["field"] == "transform.team"
    assert error["message"] == "transform.team rendered 65 characters; at most 64"


@pytest.mark.parametrize(
    ("probe", "reason"),
    [
        ("class", "access to attribute '__class__' of 'dict' object is unsafe"),
        ("mro", "access to attribute '__class__' of 'str' object is unsafe"),
        ("mutate", "access to attribute 'update' of 'dict' object is unsafe"),
        ("repeat", "'*' would build more than 100000 items"),
        ("power", "'**' would build a number of more than 8192 bits"),
        ("zero", "ZeroDivisionError: integer division or modulo by zero"),
    ],
)
def test_rendering_errors_are_400_naming_the_field(hooks: Harness, probe: str, reason: str) -> None:
    answer = hooks.ingest(SANDBOX, json={"probe": probe, "n": 10**7 if probe != "zero" else 0})
    assert error_of(answer, 400) == {
        "code": "invalid",
        "message": f"transform.title cannot be rendered: {reason}",
        "field": "transform.title",
    }
    assert hooks.ingest(SANDBOX, json={"probe": "none"}).status_code == 200


def test_invalid_json_is_400(hooks: Harness) -> None:
    error = error_of(hooks.ingest(GENERIC, content=b'{"title": "x",'), 400)
    assert error["field"] == "body"
    assert error["message"].startswith("body is not valid JSON")


def test_body_over_one_mebibyte_is_413(hooks: Harness) -> None:
    body = json.dumps(event(pad="x" * BODY_LIMIT)).encode()
    error = error_of(hooks.ingest(GENERIC, content=body), 413)
    assert error == {
        "code": "payload_too_large",
        "message": f"body exceeds {BODY_LIMIT} bytes",
        "field": "body",
    }


def test_unknown_key_is_404(hooks: Harness) -> None:
    error = error_of(hooks.ingest("/ingest/webhook/no-such-key-0123456789", json=event()), 404)
    assert error["message"] == "unknown integration key"


def test_key_of_another_kind_is_404(api: Harness) -> None:
    answer = api.ingest("/ingest/webhook/am-test-key-0123456789", json=event())
    assert error_of(answer, 404)["message"] == "unknown integration key"


def test_rate_limit_is_429_with_retry_after(hooks: Harness) -> None:
    assert hooks.ingest(TINY, json=event()).status_code == 200
    answer = hooks.ingest(TINY, json=event(id="another"))
    assert error_of(answer, 429)["code"] == "rate_limited"
    assert int(answer.headers["retry-after"]) >= 1
    hooks.drain()
    assert hooks.ok("GET", "/api/v1/alerts")["total"] == 1


def test_alerts_that_are_not_objects_are_400(hooks: Harness) -> None:
    answer = hooks.ingest(
        "/ingest/webhook/grafana-replace-with-a-random-secret",
        json={"alerts": [GRAFANA_ALERT, 7]},
    )
    assert error_of(answer, 400) == {
        "code": "invalid",
        "message": "alerts[1] must be an object",
        "field": "alerts[1]",
    }


def test_errors_in_a_list_name_the_element(hooks: Harness) -> None:
    answer = hooks.ingest(
        "/ingest/webhook/grafana-replace-with-a-random-secret",
        json={"alerts": [GRAFANA_ALERT, GRAFANA_ALERT | {"status": "pending"}]},
    )
    assert error_of(answer, 400)["message"] == (
        "transform.status rendered 'pending' (alerts[1]): expected firing or resolved"
    )
    hooks.drain()
    assert hooks.ok("GET", "/api/v1/alerts")["total"] == 0  # nothing of a refused delivery


def test_sns_subscription_without_url_is_400(hooks: Harness) -> None:
    answer = hooks.ingest(GENERIC, json={"Type": "SubscriptionConfirmation", "TopicArn": "t"})
    assert error_of(answer, 400)["field"] == "SubscribeURL"


def test_refusals_are_counted(hooks: Harness) -> None:
    hooks.ingest(GENERIC, json=event(state="pending"))
    hooks.ingest(GENERIC, json=event())
    stats = hooks.app.state.ingestor.stats.of("generic")
    assert stats == {"malformed": 1, "accepted": 1}


def test_nul_characters_are_dropped(hooks: Harness) -> None:  # PostgreSQL text cannot hold them
    body = event(title="Disk\u0000 full", id="disk\u0000db-1", kind="a\u0000b")
    assert hooks.ingest(GENERIC, json=body).status_code == 200
    alert = only_alert(hooks)
    assert (alert["title"], alert["identity"], alert["labels"]) == (
        "Disk full",
        "diskdb-1",
        {"kind": "ab"},
    )
