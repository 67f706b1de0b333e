"""Ownership: labels → catalog → naming rules → integration default → triage, each explained
in ``routed_by``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from tests.alerts.support import (
    alerts,
    am_alert,
    custom_app,
    event_kinds,
    incidents,
    only_alert,
    send,
)
from tests.support.api import Harness

TEAM_KEY = "am-platform-key-0123456789"


def test_label_team_owns_the_alert(api: Harness) -> None:
    send(api, am_alert("HighLatency", team="payments", service="checkout-api"))
    alert = only_alert(api)
    assert alert["team"] == "payments"
    assert alert["service"] == "checkout-api"
    assert alert["routed_by"] == {"step": "label", "reason": "label team=payments"}
    assert incidents(api)[0]["team"] == "payments"


def test_label_service_is_owned_by_its_catalog_team(api: Harness) -> None:
    send(api, am_alert("HighLatency", service="checkout-api"))
    alert = only_alert(api)
    assert alert["team"] == "checkout"
    assert alert["service"] == "checkout-api"
    assert alert["routed_by"] == {
        "step": "catalog",
        "reason": "label service=checkout-api is owned by checkout in the catalog",
    }


def test_naming_rule_finds_team_and_function_in_the_alert_name(api: Harness) -> None:
    send(api, am_alert("[checkout][api] Errors high"))
    alert = only_alert(api)
    assert alert["team"] == "checkout"
    assert alert["routed_by"]["step"] == "naming_rule"
    assert alert["routed_by"]["function"] == "api"
    assert "'[checkout][api] Errors high' matches naming rule 0" in alert["routed_by"]["reason"]
    assert "routed" in event_kinds(alert)


def with_team_integration(doc: dict[str, Any]) -> None:
    doc["integrations"].append(
        {"slug": "am-platform", "kind": "alertmanager", "key": TEAM_KEY, "team": "platform"}
    )


def test_integration_default_team_owns_what_nothing_else_claims(
    engine: Engine, tmp_path: Path
) -> None:
    with custom_app(engine, tmp_path, with_team_integration) as api:
        send(api, am_alert("NodeDown", instance="node-7"), key=TEAM_KEY)
        alert = only_alert(api)
        assert alert["team"] == "platform"
        assert alert["routed_by"] == {
            "step": "integration_default",
            "reason": "default of integration am-platform",
        }


def test_each_step_wins_over_the_ones_after_it(engine: Engine, tmp_path: Path) -> None:
    """On an integration with a default team, each alert gives every later step a claim."""
    with custom_app(engine, tmp_path, with_team_integration) as api:
        send(
            api,
            # label team, a catalog service of another team, a naming rule's team
            am_alert(
                "[payments][api] Errors", instance="1", team="triage", service="postgres-primary"
            ),
            # a catalog service (checkout's) and a naming rule's team
            am_alert("[payments][api] Errors", instance="2", service="checkout-api"),
            # a naming rule's team, and the integration's default (platform)
            am_alert("[payments][api] Errors", instance="3"),
            am_alert("NodeDown", instance="4"),
            key=TEAM_KEY,
        )
        found = {a["labels"]["instance"]: a for a in alerts(api)}
        decided = {i: (a["team"], a["routed_by"]["step"]) for i, a in found.items()}
        assert decided == {
            "1": ("triage", "label"),
            "2": ("checkout", "catalog"),
            "3": ("payments", "naming_rule"),
            "4": ("platform", "integration_default"),
        }


def test_triage_team_is_the_fallback_and_names_the_unknown_team_label(api: Harness) -> None:
    send(api, am_alert("NodeDown", team="ghosts"))
    alert = only_alert(api)
    assert alert["team"] == "triage"
    assert alert["routed_by"]["step"] == "triage"
    assert "label team=ghosts is not a configured team" in alert["routed_by"]["reason"]
    assert incidents(api)[0]["team"] == "triage"


def test_a_label_naming_an_unknown_service_is_named_in_the_later_steps_reason(
    engine: Engine, tmp_path: Path
) -> None:
    """A misspelt service label cannot route; the step that decided says so, so the sender
    sees why the catalog did not apply."""
    with custom_app(engine, tmp_path, with_team_integration) as api:
        send(api, am_alert("NodeDown", service="chekout-api", team="ghosts"), key=TEAM_KEY)
        alert = only_alert(api)
        assert alert["team"] == "platform"
        assert alert["service"] is None
        assert alert["routed_by"] == {
            "step": "integration_default",
            "reason": "default of integration am-platform; "
            "label team=ghosts is not a configured team; "
            "label service=chekout-api is not a configured service",
        }


def test_a_naming_rule_decision_names_the_unknown_service_label(api: Harness) -> None:
    send(api, am_alert("[checkout][api] Errors high", service="nope"))
    alert = only_alert(api)
    assert alert["routed_by"]["step"] == "naming_rule"
    assert alert["routed_by"]["reason"].endswith("; label service=nope is not a configured service")


def without_triage(doc: dict[str, Any]) -> None:
    del doc["incident_defaults"]["triage_team"]


def test_without_a_triage_team_an_ownerless_alert_is_unrouted_and_opens_nothing(
    engine: Engine, tmp_path: Path
) -> None:
    with custom_app(engine, tmp_path, without_triage) as api:
        send(api, am_alert("NodeDown", severity="critical"))
        alert = only_alert(api)
        assert alert["team"] is None
        assert alert["routed_by"]["step"] == "unrouted"
        assert alert["decision"] == "unmatched"
        assert alert["incident"] is None
        assert "unrouted" in alert["events"][-1]["text"]
        assert incidents(api) == []
