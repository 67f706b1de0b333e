"""The recipes of docs/integrations/webhook.md, each driven by a realistic payload of its tool:
Grafana unified alerting, Datadog, and AWS CloudWatch alarms through SNS."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine
from structlog.testing import capture_logs

from tests.support.api import Harness, running_app

PAYLOADS = Path(__file__).parent / "webhook_payloads"
CONFIG = PAYLOADS / "warroom.yaml"
DOC = Path(__file__).parents[2] / "docs" / "integrations" / "webhook.md"
RECIPES = ("grafana", "datadog", "cloudwatch")
GRAFANA = "/ingest/webhook/grafana-replace-with-a-random-secret"
DATADOG = "/ingest/webhook/datadog-replace-with-a-random-secret"
CLOUDWATCH = "/ingest/webhook/cloudwatch-replace-with-a-random-secret"
SNS_HEADERS = {
    "content-type": "text/plain; charset=UTF-8",
    "x-amz-sns-message-type": "Notification",
}


@pytest.fixture
def hooks(engine: Engine) -> Iterator[Harness]:
    with running_app(engine, CONFIG) as harness:
        yield harness


def payload(name: str) -> Any:
    return json.loads((PAYLOADS / name).read_text(encoding="utf-8"))


def alerts_by_identity(api: Harness) -> dict[str, dict[str, Any]]:
    return {a["identity"]: a for a in api.ok("GET", "/api/v1/alerts")["items"]}


def doc_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)


def test_docs_show_exactly_the_tested_recipes() -> None:
    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    tested = {i["slug"]: i for i in config["integrations"]}
    documented = {}
    for block in doc_blocks("yaml"):
        doc = yaml.safe_load(block)
        if isinstance(doc, dict) and "integrations" in doc:
            documented.update({i["slug"]: i for i in doc["integrations"]})
    for slug in RECIPES:
        assert documented.get(slug) == tested[slug], slug


def test_docs_show_the_datadog_payload_the_test_sends() -> None:
    (template,) = [b for b in doc_blocks("json") if "$ALERT_ID" in b]
    sent = payload("datadog_triggered.json")
    shape = json.loads(template)
    assert shape.keys() == sent.keys()
    assert shape["org"].keys() == sent["org"].keys()


def test_grafana_alerts_become_one_alert_each_and_resolve_one_by_one(hooks: Harness) -> None:
    answer = hooks.ingest(GRAFANA, json=payload("grafana_firing.json"))
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"status": "ok", "signals": 2}
    hooks.drain()
    alerts = alerts_by_identity(hooks)
    assert alerts.keys() == {"a1b2c3d4e5f60718", "0f1e2d3c4b5a6978"}
    checkout = alerts["a1b2c3d4e5f60718"]
    assert checkout["source"] == "webhook"
    assert checkout["status"] == "firing"
    assert checkout["title"] == "CheckoutHighErrorRate: 5xx ratio above 5% for 5m"
    assert checkout["description"] == (
        "The checkout API answers 12.4% of requests with a 5xx status."
    )
    assert checkout["severity"] == "critical"
    assert checkout["environment"] == "production"
    assert checkout["labels"] == {
        "alertname": "CheckoutHighErrorRate",
        "grafana_folder": "Checkout",
        "instance": "checkout-api-7d9f8b6c5-x2x9k",
        "receiver": "warroom",
    }
    assert checkout["annotations"] == {"source": "https://grafana.example.com/"}
    assert [(link["text"], link["href"]) for link in checkout["links"]] == [
        ("Alert rule", "https://grafana.example.com/alerting/grafana/fdb8z1kq3x2wwa/view?orgId=1"),
        ("Dashboard", "https://grafana.example.com/d/checkout-overview?orgId=1"),
        ("Panel", "https://grafana.example.com/d/checkout-overview?orgId=1&viewPanel=4"),
        (
            "Silence",
            "https://grafana.example.com/alerting/silence/new?alertmanager=grafana"
            "&matcher=alertname%3DCheckoutHighErrorRate&matcher=service%3Dcheckout-api&orgId=1",
        ),
        ("Runbook", "https://runbooks.example.com/checkout/high-error-rate"),
    ]
    assert (checkout["team"], checkout["service"]) == ("checkout", "checkout-api")
    assert checkout["routed_by"]["step"] == "catalog"
    assert checkout["starts_at"].startswith("2026-03-02T08:55:00")
    queue = alerts["0f1e2d3c4b5a6978"]
    assert queue["title"] == "PaymentsQueueLag: Settlement queue 4m behind"
    assert queue["severity"] == "warning"
    assert [link["text"] for link in queue["links"]] == ["Alert rule", "Silence"]
    assert (queue["team"], queue["service"]) == ("payments", "payments-api")
    assert queue["routed_by"]["step"] == "label"

    hooks.clock.advance(minutes=20)
    answer = hooks.ingest(GRAFANA, json=payload("grafana_resolved.json"))
    assert answer.json() == {"status": "ok", "signals": 2}
    hooks.drain()
    alerts = alerts_by_identity(hooks)
    assert alerts["a1b2c3d4e5f60718"]["status"] == "resolved"
    assert alerts["0f1e2d3c4b5a6978"]["status"] == "firing"
    assert alerts["0f1e2d3c4b5a6978"]["occurrences"] == 1  # same content: a repeat, not news


def test_datadog_monitor_triggers_and_recovers(hooks: Harness) -> None:
    answer = hooks.ingest(DATADOG, json=payload("datadog_triggered.json"))
    assert answer.json() == {"status": "ok", "signals": 1}, answer.text
    hooks.drain()
    (alert,) = hooks.ok("GET", "/api/v1/alerts")["items"]
    assert alert["identity"] == "datadog:123456789:env:production,service:payments-api"
    assert alert["title"] == "Checkout p99 latency above 1s"
    assert alert["description"] == (
        "p99 latency of checkout requests is 1.42s (threshold 1s). @webhook-warroom"
    )
    assert alert["severity"] == "critical"
    assert alert["environment"] == "production"
    assert alert["labels"] == {
        "monitor_id": "123456789",
        "scope": "env:production,service:payments-api",
        "datadog_org": "Example Shop",
    }
    assert alert["links"] == [
        {
            "href": "https://app.datadoghq.com/event/event?id=7625389745138512345",
            "text": "Datadog event",
        },
        {"href": "https://app.datadoghq.com/monitors/123456789", "text": "Monitor"},
    ]
    assert (alert["team"], alert["service"]) == ("payments", "payments-api")
    assert alert["routed_by"]["step"] == "label"
    assert alert["starts_at"].startswith("2026-03-02T08:55:00")  # $DATE is in milliseconds
    incident = hooks.ok("GET", f"/api/v1/incidents/{alert['incident']}")
    assert incident["severity"] == "SEV1"

    hooks.clock.advance(minutes=20)
    assert hooks.ingest(DATADOG, json=payload("datadog_recovered.json")).status_code == 200
    hooks.drain()
    (alert,) = hooks.ok("GET", "/api/v1/alerts")["items"]
    assert alert["status"] == "resolved"


@pytest.mark.parametrize(
    ("transition", "priority", "severity", "status"),
    [
        ("Warn", "", "warning", "firing"),
        ("Re-Triggered", "P2", "error", "firing"),
        ("No Data", "", "error", "firing"),
        ("Triggered", "P4", "info", "firing"),
    ],
)
def test_datadog_transitions_and_priorities(
    hooks: Harness, transition: str, priority: str, severity: str, status: str
) -> None:
    body = payload("datadog_triggered.json") | {
        "transition": transition,
        "alert_priority": priority,
    }
    assert hooks.ingest(DATADOG, json=body).status_code == 200
    hooks.drain()
    (alert,) = hooks.ok("GET", "/api/v1/alerts")["items"]
    assert (alert["severity"], alert["status"]) == (severity, status)


def test_cloudwatch_alarm_through_sns_fires_and_clears(hooks: Harness) -> None:
    body = (PAYLOADS / "sns_cloudwatch_alarm.json").read_bytes()
    answer = hooks.ingest(CLOUDWATCH, content=body, headers=SNS_HEADERS)  # SNS says text/plain
    assert answer.json() == {"status": "ok", "signals": 1}, answer.text
    hooks.drain()
    (alert,) = hooks.ok("GET", "/api/v1/alerts")["items"]
    assert alert["identity"] == (
        "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:payments-api/5xx-rate"
    )
    assert alert["title"] == (
        "payments-api/5xx-rate: 5xx responses of the payments API load balancer above 5%"
    )
    assert alert["description"].startswith("Threshold Crossed: 2 out of the last 3 datapoints")
    assert alert["severity"] == "critical"
    assert alert["environment"] == "production"  # the integration's default
    assert alert["labels"] == {
        "alarm": "payments-api/5xx-rate",
        "aws_account": "123456789012",
        "aws_region": "eu-west-1",
        "namespace": "AWS/ApplicationELB",
        "metric": "HTTPCode_Target_5XX_Count",
        "dimensions": "LoadBalancer=app/payments-api/50dc6c495c0c9188,"
        "TargetGroup=targetgroup/payments-api/73e2d6bc24d8a067",
    }
    assert alert["links"] == [
        {
            "href": "https://console.aws.amazon.com/cloudwatch/home?region=eu-west-1"
            "#alarmsV2:alarm/payments-api%2F5xx-rate",
            "text": "CloudWatch alarm",
        }
    ]
    assert (alert["team"], alert["service"]) == ("payments", "payments-api")
    assert alert["starts_at"].startswith("2026-03-02T08:55:30.456")

    hooks.clock.advance(minutes=25)
    body = (PAYLOADS / "sns_cloudwatch_ok.json").read_bytes()
    assert hooks.ingest(CLOUDWATCH, content=body, headers=SNS_HEADERS).status_code == 200
    hooks.drain()
    (alert,) = hooks.ok("GET", "/api/v1/alerts")["items"]
    assert alert["status"] == "resolved"


def test_sns_subscription_is_logged_for_the_operator_not_fetched(hooks: Harness) -> None:
    confirmation = payload("sns_subscription_confirmation.json")
    headers = SNS_HEADERS | {"x-amz-sns-message-type": "SubscriptionConfirmation"}
    with capture_logs() as logs:
        answer = hooks.ingest(CLOUDWATCH, content=json.dumps(confirmation), headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "status": "ok",
        "signals": 0,
        "subscription_confirmation": confirmation["SubscribeURL"],
    }
    (logged,) = [e for e in logs if e["event"] == "sns_subscription_confirmation"]
    assert logged["subscribe_url"] == confirmation["SubscribeURL"]
    assert logged["topic"] == "arn:aws:sns:eu-west-1:123456789012:warroom-critical"
    assert logged["integration"] == "cloudwatch"
    hooks.drain()
    assert hooks.ok("GET", "/api/v1/alerts")["total"] == 0


def test_sns_unsubscribe_confirmation_is_acknowledged(hooks: Harness) -> None:
    body = payload("sns_subscription_confirmation.json") | {"Type": "UnsubscribeConfirmation"}
    answer = hooks.ingest(CLOUDWATCH, json=body)
    assert answer.json() == {"status": "ok", "signals": 0}


def test_sns_notification_with_plain_text_message_names_the_empty_title(hooks: Harness) -> None:
    body = payload("sns_cloudwatch_alarm.json") | {"Message": "disk almost full on db-1"}
    answer = hooks.ingest(CLOUDWATCH, json=body)
    assert answer.status_code == 400
    assert answer.json()["error"] == {
        "code": "invalid",
        "message": "transform.title rendered empty",
        "field": "transform.title",
    }
