"""The JSON Schema editors use to validate and explain the configuration file."""

from typing import Any

from warroom.config import config_json_schema


def _definition(schema: dict[str, Any], name: str) -> dict[str, Any]:
    definition: dict[str, Any] = schema["$defs"][name]
    return definition


def test_schema_describes_the_top_level() -> None:
    schema = config_json_schema()

    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]) == {
        "organization", "teams", "services", "severities", "incident_defaults",
        "integrations", "routing", "severity_map", "inhibit_rules", "alert_rules", "alerts",
        "people", "schedules", "escalation_policies", "notifications", "projects",
        "issue_rules",
        "sso", "status_pages", "postmortems", "action_items",
        "trackers", "insights", "drills", "retention", "metrics", "monitors",
        "slos", "forecasts", "queues",
    }  # fmt: skip
    assert "required" not in schema  # every top-level key is optional


def test_every_object_forbids_unknown_keys_and_every_field_has_help() -> None:
    schema = config_json_schema()
    objects = [schema, *(d for d in schema["$defs"].values() if d.get("type") == "object")]

    # 32 + DsnKey, Project, IssueCondition, IssueRule, SSO, GroupMapping, StatusPage,
    # StatusComponent, Tracker, Insights, DrillSettings, DrillScenario, DrillTargets, DrillSlot,
    # RetentionSettings, RetentionPolicy, and the five of metrics and monitors
    # Slo and its three indicators, Forecast, QueueMonitor
    assert len(objects) == 61
    for definition in objects:
        assert definition["additionalProperties"] is False
        for name, field in definition["properties"].items():
            assert field.get("description"), name


def test_value_types_are_documented_as_written_in_yaml() -> None:
    schema = config_json_schema()
    severity = _definition(schema, "Severity")["properties"]
    hours = _definition(schema, "HoursWindow")["properties"]
    team = _definition(schema, "Team")["properties"]

    duration = severity["update_every"]["anyOf"][0]
    assert duration["type"] == "string"
    assert "1h30m" in duration["examples"]
    assert hours["start"]["pattern"] == "^([01]?[0-9]|2[0-3]):[0-5][0-9]$"
    assert team["working_hours"]["default"]["start"] == "09:00"
    defaults = _definition(schema, "IncidentDefaults")["properties"]
    assert defaults["first_update_within"]["default"] == "10m"
    assert _definition(schema, "ResponseWindow")["enum"] == [
        "always",
        "extended_hours",
        "working_hours",
        "none",
    ]


def test_alert_intake_values_are_documented_as_written_in_yaml() -> None:
    schema = config_json_schema()
    integration = _definition(schema, "Integration")["properties"]
    heartbeat = _definition(schema, "HeartbeatSpec")["properties"]
    rule = _definition(schema, "AlertRule")["properties"]
    transform = _definition(schema, "WebhookTransform")["properties"]

    assert _definition(schema, "IntegrationKind")["enum"] == [
        "alertmanager", "pagerduty", "webhook", "heartbeat", "metrics",
    ]  # fmt: skip
    assert integration["key"]["pattern"] == "^[A-Za-z0-9_-]{16,128}$"
    assert heartbeat["cron"]["anyOf"][0]["examples"][0] == "0 3 * * *"
    assert heartbeat["grace"]["default"] == "5m"
    assert 'severity="critical"' in rule["matchers"]["items"]["examples"]
    assert rule["group_window"]["default"] == "30m"
    assert "{{ payload.title }}" in transform["title"]["examples"]
    assert _definition(schema, "RateLimit")["properties"]["per_second"]["exclusiveMinimum"] == 0
    assert _definition(schema, "RuleAction")["enum"] == ["incident", "attach", "notify", "ticket"]
