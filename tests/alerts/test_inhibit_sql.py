"""The inhibit check's SQL filter says of each label what ``match_labels`` says, so it never
leaves out a firing source (nor lets the database do less than it can)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, select

from warroom.alerts.labels import match_labels
from warroom.alerts.models import Alert, AlertDecision, AlertStatus
from warroom.alerts.mute import label_value, source_conditions
from warroom.db.engine import make_session_factory
from warroom.ingest.models import SourceKind
from warroom.matchers import Matcher

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def alert(identity: str, labels: dict[str, str], **columns: Any) -> Alert:
    fields: dict[str, Any] = {
        "integration": "am",
        "source": SourceKind.ALERTMANAGER,
        "title": "DatacenterDown: eu1 is dark",
        "severity": None,
        "environment": None,
        "team": None,
        "service": None,
    }
    fields.update(columns)
    return Alert(
        identity=identity,
        status=AlertStatus.FIRING,
        description="",
        labels=labels,
        annotations={},
        links=[],
        routed_by={},
        starts_at=NOW,
        first_seen_at=NOW,
        last_seen_at=NOW,
        occurrences=1,
        decision=AlertDecision.INCIDENT,
        **fields,
    )


def alerts() -> list[Alert]:
    """New objects each time: an Alert once stored belongs to that test's database."""
    return [
        alert("plain", {"alertname": "DatacenterDown", "datacenter": "eu1"}, team="platform"),
        alert("title-only", {}, title="DatacenterDown", severity="critical"),
        alert("decided-severity", {"severity": "page"}, severity="critical"),
        alert(
            "pd-host",
            {"source": "srv01", "integration": "billing"},
            source=SourceKind.PAGERDUTY,
            integration="pd",
        ),
        alert("unknown-team", {"team": "ghosts"}, team="triage"),
        alert("empty-value", {"datacenter": "", "alertname": ""}),
        alert("label-severity", {"severity": "warning"}),
        alert("empty-environment", {"environment": "staging"}, environment=""),
        alert("environment", {"env": "prod"}, environment="production", service="checkout-api"),
        alert("odd-name", {"k8s.io/zone": "a", "datacenter": "us1"}),
    ]


NAMES = [
    "alertname",
    "source",
    "integration",
    "severity",
    "environment",
    "team",
    "service",
    "datacenter",
    "instance",
    "k8s.io/zone",
]


@pytest.fixture
def stored(engine: Engine) -> Any:
    sessions = make_session_factory(engine)
    with sessions() as session:
        session.add_all(alerts())
        session.commit()
        yield session


@pytest.mark.parametrize("name", NAMES)
def test_label_value_is_what_match_labels_says(stored: Any, name: str) -> None:
    expression = label_value(name)
    if name == "k8s.io/zone":
        assert expression is None  # not a plain name: left to Python
        return
    assert expression is not None
    every = list(stored.scalars(select(Alert)))
    assert len(every) == len(alerts())
    values = {match_labels(a).get(name) for a in every} | {None, "", "nowhere"}
    for value in values:
        condition = expression.is_(None) if value is None else expression == value
        in_sql = set(stored.scalars(select(Alert.identity).where(condition)))
        in_python = {a.identity for a in every if match_labels(a).get(name) == value}
        assert in_sql == in_python, (name, value)


def test_source_conditions_leave_regexes_negations_and_empty_values_to_python(
    stored: Any,
) -> None:
    wanted = [
        Matcher.parse(text)
        for text in (
            'alertname="DatacenterDown"',
            'severity!="info"',
            'team=~"plat.*"',
            'service=""',
        )
    ]
    conditions = source_conditions(wanted, ["datacenter", "k8s.io/zone"], {"datacenter": "eu1"})
    assert len(conditions) == 2  # alertname=..., and datacenter equal to the target's
    found = set(stored.scalars(select(Alert.identity).where(*conditions)))
    assert found == {"plain"}
