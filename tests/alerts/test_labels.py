"""The labels matchers see: the alert's own, and warroom's pseudo-labels beside them."""

from __future__ import annotations

from warroom.alerts.labels import match_labels
from warroom.alerts.models import Alert
from warroom.ingest.models import SourceKind


def alert(source: SourceKind, **fields: object) -> Alert:
    values: dict[str, object] = {
        "integration": "pd",
        "source": source,
        "title": "DB connections at 95%",
        "labels": {},
        "severity": None,
        "environment": None,
        "team": None,
        "service": None,
    }
    values.update(fields)
    return Alert(**values)


def test_source_and_integration_are_added_where_the_alert_has_no_such_label() -> None:
    labels = match_labels(alert(SourceKind.ALERTMANAGER, integration="am", labels={"job": "x"}))
    assert labels == {
        "job": "x",
        "alertname": "DB connections at 95%",
        "source": "alertmanager",
        "integration": "am",
    }


def test_an_alerts_own_source_label_is_kept() -> None:
    """A PagerDuty event's ``payload.source`` (the host) stays matchable."""
    own = {"source": "srv01.checkout.example.com", "integration": "billing"}
    labels = match_labels(alert(SourceKind.PAGERDUTY, labels=own))
    assert labels["source"] == "srv01.checkout.example.com"
    assert labels["integration"] == "billing"


def test_routed_owner_and_severity_replace_labels_of_the_same_name() -> None:
    labels = match_labels(
        alert(
            SourceKind.ALERTMANAGER,
            labels={"team": "no-such-team", "severity": "page", "env": "prod"},
            team="triage",
            service="checkout-api",
            severity="critical",
            environment="production",
        )
    )
    assert labels["team"] == "triage"
    assert labels["service"] == "checkout-api"
    assert labels["severity"] == "critical"
    assert labels["environment"] == "production"
