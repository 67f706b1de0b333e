"""Alert intake: integrations, routing, severity map, inhibition, alert rules, warnings."""

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from warroom.config import (
    AlertRule,
    Config,
    HeartbeatSpec,
    Integration,
    IntegrationKind,
    OnAllResolved,
    RuleAction,
    RuleGroupBy,
    config_warnings,
    load_config,
    parse_config,
)
from warroom.matchers import Matcher, MatchOp

EXAMPLE = Path(__file__).parents[2] / "examples" / "warroom.yaml"
AM_KEY = "6f1c0a2e9b7d4c3f8e5a1b2c3d4e5f60"
PD_KEY = "e93facc04764012d7bfb002500d5d1a6"

TEAM = """\
teams:
  - slug: platform
    name: Platform
    timezone: UTC
    contacts: [{kind: email, target: platform@acme.example}]
"""


def test_an_empty_file_has_the_alert_intake_defaults() -> None:
    config = parse_config("")

    assert config.integrations == []
    assert config.routing.naming_rules == []
    assert config.inhibit_rules == []
    assert config.severity_map is None
    assert config.effective_severity_map == {
        "critical": "SEV1", "page": "SEV1",
        "error": "SEV2", "high": "SEV2", "major": "SEV2",
        "warning": "SEV3", "warn": "SEV3", "minor": "SEV3",
        "info": "SEV4", "low": "SEV4",
    }  # fmt: skip
    [rule] = config.alert_rules
    assert (rule.name, rule.action, rule.group_by, rule.group_window) == (
        "default", RuleAction.INCIDENT, RuleGroupBy.GROUP_KEY, timedelta(minutes=30),
    )  # fmt: skip
    assert (rule.matchers, rule.after_occurrences, rule.within, rule.firing_for) == (
        [], None, None, None,
    )  # fmt: skip
    assert rule.severity is None
    assert rule.matches({}) and rule.matches({"severity": "info"})
    assert config.alerts.on_all_resolved is OnAllResolved.MITIGATE
    assert (config.alerts.flapping.transitions, config.alerts.flapping.within) == (
        6, timedelta(hours=1),
    )  # fmt: skip


def test_the_example_integrations() -> None:
    config = load_config(EXAMPLE)

    assert [(i.slug, i.kind) for i in config.integrations] == [
        ("prod-alertmanager", IntegrationKind.ALERTMANAGER),
        ("storefront-synthetics", IntegrationKind.PAGERDUTY),
        ("grafana", IntegrationKind.WEBHOOK),
        ("nightly-backup", IntegrationKind.HEARTBEAT),
    ]
    am = config.integration("prod-alertmanager")
    assert am is not None and am.key == AM_KEY
    assert (am.team, am.service, am.environment) == ("platform", None, "production")
    assert (am.rate_limit.per_second, am.rate_limit.burst) == (50, 500)
    assert am.display_name == "Production Alertmanager"
    assert config.integration_by_key(AM_KEY) is am
    pagerduty = config.integration_by_key(PD_KEY)
    assert pagerduty is not None and pagerduty.slug == "storefront-synthetics"
    assert (pagerduty.rate_limit.per_second, pagerduty.rate_limit.burst) == (200, 2000)
    assert config.integration("nope") is None
    assert config.integration_by_key("nope") is None
    assert config.integration_by_key("prod-alertmanager") is None  # slugs are not keys

    grafana = config.integration("grafana")
    assert grafana is not None and grafana.transform is not None and grafana.heartbeat is None
    assert grafana.transform.title == "{{ payload.title }}"
    assert grafana.transform.dedup_key == "{{ payload.groupKey }}"
    assert set(grafana.transform.labels) == {"alertname", "datacenter"}
    assert grafana.transform.links[0].text == "Open in Grafana"
    assert grafana.transform.starts_at is None

    backup = config.integration("nightly-backup")
    assert backup is not None and backup.heartbeat is not None and backup.transform is None
    assert (backup.heartbeat.cron, backup.heartbeat.interval) == ("30 2 * * *", None)
    assert backup.heartbeat.zone == ZoneInfo("Europe/Prague")
    assert backup.heartbeat.grace == timedelta(minutes=45)
    assert backup.heartbeat.severity == "error"
    assert backup.heartbeat_title == "The nightly PostgreSQL backup did not finish"
    assert config.incident_severity_for(backup.heartbeat.severity) == "SEV2"
    assert config_warnings(config) == []


def test_the_example_routing_and_rules() -> None:
    config = load_config(EXAMPLE)

    by_team, by_service = config.routing.naming_rules
    assert by_team.captures("[checkout][latency] p99 above 1s") == {
        "team": "checkout",
        "function": "latency",
    }
    assert by_team.captures("HighLatency") == {}
    assert by_service.captures("search-api: error rate above 5%") == {"service": "search-api"}
    assert by_service.regex.pattern == "^(?P<service>[a-z0-9-]+): "

    [inhibit] = config.inhibit_rules
    assert inhibit.source_matchers_parsed == [Matcher.parse('alertname="DatacenterDown"')]
    assert [str(m) for m in inhibit.target_matchers_parsed] == ['alertname="ServiceUnreachable"']
    assert inhibit.equal == ["datacenter"]

    names = [rule.name for rule in config.alert_rules]
    assert names == [
        "queue-backlog", "page-critical", "repeated-warnings", "info-tickets", "everything-else",
    ]  # fmt: skip
    queue, page, warnings, tickets, rest = config.alert_rules
    assert (queue.firing_for, queue.group_by) == (timedelta(minutes=5), RuleGroupBy.SERVICE)
    assert [(m.name, m.op) for m in page.matchers_parsed] == [
        ("severity", MatchOp.REGEX),
        ("environment", MatchOp.EQUAL),
    ]
    assert page.matches({"severity": "critical", "environment": "production"})
    assert not page.matches({"severity": "critical", "environment": "staging"})
    assert not page.matches({"severity": "warning", "environment": "production"})
    assert (warnings.after_occurrences, warnings.within) == (5, timedelta(minutes=10))
    assert (tickets.action, tickets.severity) == (RuleAction.TICKET, "SEV4")
    assert (rest.action, rest.matchers) == (RuleAction.NOTIFY, [])
    assert config.alerts.on_all_resolved is OnAllResolved.MITIGATE


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("critical", "SEV1"),
        ("CRITICAL", "SEV1"),
        (" Warning ", "SEV3"),
        ("disaster", "SEV1"),
        ("debug", None),
        ("", None),
        (None, None),
    ],
)
def test_incident_severity_for_is_case_insensitive(label: str | None, expected: str | None) -> None:
    assert load_config(EXAMPLE).incident_severity_for(label) == expected


def test_a_severity_map_replaces_the_default() -> None:
    config = parse_config("severity_map:\n  critical: SEV2\n  p1: SEV1\n")

    assert config.effective_severity_map == {"critical": "SEV2", "p1": "SEV1"}
    assert config.incident_severity_for("Critical") == "SEV2"
    assert config.incident_severity_for("P1") == "SEV1"
    assert config.incident_severity_for("warning") is None


CUSTOM_LADDER = """\
severities:
  - {key: P1, name: Outage, response: always, page: true}
  - {key: SEV3, name: Minor, response: working_hours, page: false}
incident_defaults: {severity: SEV3}
"""


def test_the_default_map_keeps_only_defined_severities_and_warns() -> None:
    config = parse_config(
        CUSTOM_LADDER + f"integrations:\n  - {{slug: am, kind: alertmanager, key: {AM_KEY}}}\n"
    )

    assert config.effective_severity_map == {"warning": "SEV3", "warn": "SEV3", "minor": "SEV3"}
    assert config.incident_severity_for("critical") is None
    assert config_warnings(config) == [
        "severity_map is not set and the default map points at SEV1, SEV2, SEV4, which are not "
        "defined here: alerts with those severity labels get incident_defaults.severity (SEV3) "
        "unless an alert rule sets one",
    ]
    # Without integrations there are no alerts to map, so nothing to warn about.
    assert config_warnings(parse_config(CUSTOM_LADDER)) == []


def test_warnings_name_teams_nobody_can_reach() -> None:
    config = parse_config(
        TEAM
        + "  - {slug: search, name: Search, timezone: UTC}\n"
        + "services:\n"
        + "  - {slug: search-api, name: Search API, team: search}\n"
        + "  - {slug: k8s, name: Kubernetes, team: platform}\n"
    )

    assert config_warnings(config) == [
        "team 'search' has no contacts: nobody can be notified",
        "service 'search-api' is owned by team 'search', which has no contacts: its incidents "
        "reach nobody",
    ]


def test_heartbeat_defaults() -> None:
    config = parse_config(
        "integrations:\n"
        "  - slug: stock-import\n"
        "    kind: heartbeat\n"
        "    key: stock-import-0123456789\n"
        "    heartbeat: {interval: 5m}\n"
    )

    [integration] = config.integrations
    heartbeat = integration.heartbeat
    assert heartbeat is not None
    assert (heartbeat.interval, heartbeat.cron) == (timedelta(minutes=5), None)
    assert (heartbeat.timezone, heartbeat.grace, heartbeat.severity, heartbeat.title) == (
        "UTC", timedelta(minutes=5), "critical", None,
    )  # fmt: skip
    assert integration.display_name == "stock-import"
    assert integration.heartbeat_title == "stock-import missed its heartbeat"


def test_webhook_transform_accepts_constant_status_and_fraction_rates() -> None:
    config = parse_config(
        "integrations:\n"
        "  - slug: deploys\n"
        "    kind: webhook\n"
        "    key: deploys-0123456789abcdef\n"
        "    rate_limit: {per_second: 0.5, burst: 1}\n"
        "    transform:\n"
        "      title: 'Deploy of {{ payload.app }}'\n"
        "      dedup_key: '{{ payload.id }}'\n"
        "      status: firing\n"
    )

    [integration] = config.integrations
    assert integration.transform is not None and integration.transform.status == "firing"
    assert (integration.rate_limit.per_second, integration.rate_limit.burst) == (0.5, 1)


def test_the_key_stays_out_of_repr() -> None:
    integration = load_config(EXAMPLE).integrations[0]

    assert AM_KEY not in repr(integration)
    assert AM_KEY not in repr(load_config(EXAMPLE))


def test_the_example_survives_a_json_round_trip() -> None:
    config = load_config(EXAMPLE)
    dumped = config.model_dump(mode="json")

    assert dumped["alert_rules"][0]["firing_for"] == "5m"
    assert dumped["integrations"][3]["heartbeat"]["grace"] == "45m"
    again = Config.model_validate(dumped)
    assert again == config
    assert again.alert_rules[1].matchers_parsed == config.alert_rules[1].matchers_parsed
    assert again.integration_by_key(AM_KEY) == config.integration("prod-alertmanager")


def test_integrations_can_be_split_across_files(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        TEAM + f"integrations:\n  - {{slug: am, kind: alertmanager, key: {AM_KEY}}}\n"
    )
    (tmp_path / "b.yaml").write_text(
        f"integrations:\n  - {{slug: pd, kind: pagerduty, key: {PD_KEY}, team: platform}}\n"
        "alert_rules:\n  - {name: all, action: notify}\n"
    )

    config = load_config(tmp_path)

    assert [i.slug for i in config.integrations] == ["am", "pd"]
    assert [r.name for r in config.alert_rules] == ["all"]


def test_config_built_in_code_checks_the_cross_key_rules_too() -> None:
    webhook = Integration(slug="hook", kind=IntegrationKind.WEBHOOK, key="hook-0123456789abcdef")
    beat = Integration(
        slug="beat",
        kind=IntegrationKind.HEARTBEAT,
        key="beat-0123456789abcdef",
        heartbeat=HeartbeatSpec(interval=timedelta(hours=1), cron="0 3 * * *"),
    )
    rule = AlertRule(name="flaky", within=timedelta(minutes=10), severity="SEV9")

    with pytest.raises(ValidationError) as caught:
        Config(integrations=[webhook, beat], alert_rules=[rule])

    assert caught.value.errors()[0]["msg"] == (
        "integrations[0].transform: missing required key 'transform': a webhook integration "
        "needs templates for at least title, dedup_key and status; "
        "integrations[1].heartbeat.cron: give interval or cron, not both; "
        "alert_rules[0].severity: unknown severity 'SEV9'; defined severities: SEV1, SEV2, "
        "SEV3, SEV4; "
        "alert_rules[0].within: within applies only with after_occurrences: how many "
        "occurrences within the window it takes"
    )


def test_a_pagerduty_routing_key_has_32_characters() -> None:
    with pytest.raises(ValidationError, match="pagerduty routing keys are 32 characters"):
        Integration(slug="pd", kind=IntegrationKind.PAGERDUTY, key="x" * 31)

    assert Integration(slug="pd", kind=IntegrationKind.PAGERDUTY, key="x" * 32).key == "x" * 32
    assert Integration(slug="am", kind=IntegrationKind.ALERTMANAGER, key="x" * 128)
