"""Each invalid configuration has its own fixture file and exactly these error lines."""

from pathlib import Path

import pytest

from warroom.config import ConfigError, load_config

FIXTURES = Path(__file__).parent / "fixtures" / "invalid"

EXPECTED: dict[str, list[str]] = {
    "unknown_key": [
        "unknown_key.yaml:5: teams[0].colour: unknown key 'colour' (allowed keys: slug, name, "
        "timezone, working_hours, extended_hours, contacts, escalation_policy, tracker, "
        "track_incidents)",
    ],
    "misspelled_key": [
        "misspelled_key.yaml:9: services[0].runbok_url: unknown key 'runbok_url' "
        "(did you mean 'runbook_url'?)",
    ],
    "unknown_top_level_key": [
        "unknown_top_level_key.yaml:3: pager_duty: unknown key 'pager_duty' (allowed keys: "
        "organization, teams, services, severities, incident_defaults, integrations, routing, "
        "severity_map, inhibit_rules, alert_rules, alerts, people, schedules, "
        "escalation_policies, notifications, projects, issue_rules, sso, status_pages, "
        "trackers, postmortems, action_items, insights, drills, retention, metrics, monitors, "
        "slos, forecasts, queues)",
    ],
    "drill_references": [
        "drill_references.yaml:12: drills.scenarios[0].team: unknown team 'chekout' "
        "(did you mean 'checkout'?)",
        "drill_references.yaml:14: drills.scenarios[0].integration: integration 'am' is of "
        "kind 'alertmanager', not 'pagerduty'",
        "drill_references.yaml:17: drills.scenarios[1].name: duplicate drill scenario name "
        "'checkout-down' (first defined at line 11)",
        "drill_references.yaml:17: drills.scenarios[1].project: a sentry drill needs project",
        "drill_references.yaml:21: drills.scenarios[1].expect_severity: unknown severity "
        "'SEV9' (known: SEV1, SEV2, SEV3, SEV4)",
        "drill_references.yaml:25: drills.scenarios[2].integration: unknown integration 'nightly'",
        "drill_references.yaml:28: drills.scenarios[2].schedule.at: '25:00' is not a time of "
        "day like 14:30",
    ],
    "unknown_team": [
        "unknown_team.yaml:8: services[0].team: unknown team 'chekout' (did you mean 'checkout'?)",
    ],
    "duplicate_team_slug": [
        "duplicate_team_slug.yaml:8: teams[2].slug: duplicate team slug 'payments' "
        "(first defined at line 2)",
    ],
    "duplicate_service_slug": [
        "duplicate_service_slug.yaml:9: services[1].slug: duplicate service slug 'search-api' "
        "(first defined at line 6)",
    ],
    "duplicate_severity_key": [
        "duplicate_severity_key.yaml:6: severities[1].key: duplicate severity key 'SEV1' "
        "(first defined at line 2)",
    ],
    "duplicate_yaml_key": [
        "duplicate_yaml_key.yaml:5: teams[0].name: duplicate key 'name' (first defined at line 3)",
    ],
    "bad_timezone": [
        "bad_timezone.yaml:4: teams[0].timezone: unknown time zone 'Mars/Base': use an IANA name "
        "like Europe/Prague",
    ],
    "bad_duration": [
        "bad_duration.yaml:2: incident_defaults.first_update_within: invalid duration "
        "'15 minutes': use a number and a unit, e.g. 90s, 15m, 1h30m, 2d",
    ],
    "zero_duration": [
        "zero_duration.yaml:2: incident_defaults.first_update_within: duration must be longer "
        "than zero, got '0m'",
    ],
    "bad_time_of_day": [
        "bad_time_of_day.yaml:7: teams[0].working_hours.start: invalid time '9am': use 24-hour "
        "HH:MM, e.g. 09:00 or 17:30",
        "bad_time_of_day.yaml:8: teams[0].working_hours.end: invalid time '25:00': use 24-hour "
        "HH:MM, e.g. 09:00 or 17:30",
    ],
    "hours_end_before_start": [
        "hours_end_before_start.yaml:8: teams[0].working_hours.end: end 09:00 must be after "
        "start 17:00 (windows cannot cross midnight)",
    ],
    "bad_day": [
        "bad_day.yaml:6: teams[0].extended_hours.days[0]: invalid value 'monday': expected "
        "'mon', 'tue', 'wed', 'thu', 'fri', 'sat' or 'sun'",
    ],
    "duplicate_day": [
        "duplicate_day.yaml:6: teams[0].extended_hours.days: day 'tue' is listed twice",
    ],
    "unknown_dependency": [
        "unknown_dependency.yaml:12: services[1].depends_on[1]: unknown service "
        "'payment-gateway' (did you mean 'payments-api'?)",
    ],
    "self_dependency": [
        "self_dependency.yaml:10: services[0].depends_on[0]: a service cannot depend on itself",
    ],
    "duplicate_dependency": [
        "duplicate_dependency.yaml:12: services[1].depends_on[1]: 'kafka' is listed twice",
    ],
    "unknown_default_severity": [
        "unknown_default_severity.yaml:2: incident_defaults.severity: unknown severity 'SEV5'; "
        "defined severities: SEV1, SEV2, SEV3, SEV4",
    ],
    "default_severity_not_defined": [
        "default_severity_not_defined.yaml:2: incident_defaults.severity: the default severity "
        "'SEV3' is not defined here; set incident_defaults.severity to one of: P1, P2",
    ],
    "unknown_triage_team": [
        "unknown_triage_team.yaml:6: incident_defaults.triage_team: unknown team 'triag' "
        "(did you mean 'triage'?)",
    ],
    "empty_severities": [
        "empty_severities.yaml:1: severities: must not be empty",
    ],
    "bad_severity_response": [
        "bad_severity_response.yaml:4: severities[0].response: invalid value 'sometimes': "
        "expected 'always', 'extended_hours', 'working_hours' or 'none'",
        "bad_severity_response.yaml:6: severities[0].postmortem: invalid value 'always': "
        "expected 'required', 'optional' or 'none'",
    ],
    "bad_severity_key": [
        "bad_severity_key.yaml:2: severities[0].key: invalid severity key 'SEV 1': use letters, "
        "digits, '-' and '_'",
    ],
    "bad_slug": [
        "bad_slug.yaml:2: teams[0].slug: invalid slug 'Payments_Team': use lowercase letters, "
        "digits and hyphens, starting with a letter or digit",
    ],
    "wrong_type": [
        "wrong_type.yaml:1: teams: expected a list, got 'payments'",
        "wrong_type.yaml:4: services[0].name: expected text, got a list",
        "wrong_type.yaml:6: services[0].tier: expected a whole number, got 'high'",
        "wrong_type.yaml:11: severities[0].page: expected true or false, got 'yes'",
    ],
    "null_list": [
        "null_list.yaml:1: teams: expected a list, got nothing (null)",
    ],
    "bad_tier": [
        "bad_tier.yaml:9: services[0].tier: must be at least 1, got 0",
        "bad_tier.yaml:13: services[1].tier: must be at most 4, got 5",
    ],
    "missing_required_key": [
        "missing_required_key.yaml:2: teams[0].name: missing required key 'name'",
        "missing_required_key.yaml:5: services[0].slug: missing required key 'slug'",
    ],
    "bad_contact": [
        "bad_contact.yaml:6: teams[0].contacts[0].target: invalid email address 'payments-oncall'",
        "bad_contact.yaml:7: teams[0].contacts[1].target: invalid Slack channel 'payments': "
        "write '#channel-name' or a channel ID like C0123ABCD",
        "bad_contact.yaml:8: teams[0].contacts[2].target: invalid URL "
        "'ftp://hooks.example.com/payments': use an http:// or https:// address",
        "bad_contact.yaml:9: teams[0].contacts[3].target: invalid phone number 'call me': use "
        "digits with an optional leading +, e.g. +420 123 456 789",
        "bad_contact.yaml:10: teams[0].contacts[4].kind: invalid value 'pager': expected "
        "'email', 'slack_channel', 'webhook' or 'phone'",
    ],
    "bad_runbook_url": [
        "bad_runbook_url.yaml:9: services[0].runbook_url: invalid URL 'wiki/payments-api': use "
        "an http:// or https:// address",
    ],
    "yaml_syntax_error": [
        "yaml_syntax_error.yaml:4: <root>: invalid YAML: the indentation does not line up with "
        "the lines above",
    ],
    "unclosed_quote": [
        "unclosed_quote.yaml:4: <root>: invalid YAML: the quoted text started at line 2 never ends",
    ],
    "tab_indentation": [
        "tab_indentation.yaml:2: <root>: invalid YAML: tab character: indent with spaces",
    ],
    "multiple_documents": [
        "multiple_documents.yaml:2: <root>: invalid YAML: a config file holds one YAML "
        "document; remove the '---' or split the documents into files of a folder",
    ],
    "not_a_mapping": [
        "not_a_mapping.yaml:1: <root>: the top level must be a mapping of keys "
        "(teams:, services:, ...), got a list",
    ],
    "scalar_document": [
        "scalar_document.yaml:1: <root>: the top level must be a mapping of keys "
        "(teams:, services:, ...), got the value 'just some text'",
    ],
    "unsupported_tag": [
        "unsupported_tag.yaml:2: organization.name: unsupported YAML tag '!env'",
    ],
    "several_errors": [
        "several_errors.yaml:4: organization.colour: unknown key 'colour' (allowed keys: name)",
        "several_errors.yaml:8: teams[0].timezone: unknown time zone 'Europe/Prag': use an IANA "
        "name like Europe/Prague",
        "several_errors.yaml:9: teams[1].slug: duplicate team slug 'checkout' "
        "(first defined at line 6)",
        "several_errors.yaml:15: teams[1].working_hours.end: end 09:00 must be after start "
        "18:00 (windows cannot cross midnight)",
        "several_errors.yaml:19: services[0].team: unknown team 'paymnts'",
        "several_errors.yaml:20: services[0].tier: must be at most 4, got 7",
        "several_errors.yaml:21: services[0].depends_on[0]: a service cannot depend on itself",
        "several_errors.yaml:21: services[0].depends_on[1]: unknown service 'search-api'",
        "several_errors.yaml:27: severities[0].update_every: invalid duration "
        "'every 15 minutes': use a number and a unit, e.g. 90s, 15m, 1h30m, 2d",
        "several_errors.yaml:29: incident_defaults.severity: unknown severity 'SEV9'; "
        "defined severities: SEV1",
    ],
    # --- SLOs, forecasts, queues ----------------------------------------------------------
    "bad_slos": [
        "bad_slos.yaml:11: slos[0].service: unknown service 'payment-api' (did you mean "
        "'payments-api'?)",
        "bad_slos.yaml:12: slos[0].target: input should be less than 1",
        "bad_slos.yaml:13: slos[0].indicator.promql: query 'errors_ratio_1h' has no $window "
        "(or {{window}}) placeholder",
        "bad_slos.yaml:16: slos[1].name: duplicate SLO name 'api' (first defined at line 10)",
        "bad_slos.yaml:19: slos[1].window: must be at least 3d (the longest alert window)",
        "bad_slos.yaml:20: slos[1].page_severity: unknown severity 'SEV9' (did you mean 'SEV4'?)",
        "bad_slos.yaml:23: slos[1].indicator.project: unknown project 'web'",
        "bad_slos.yaml:28: forecasts[0].step: must be 1h or less",
        "bad_slos.yaml:33: queues[0].rising_steps: must be at least 2, got 1",
    ],
    # --- integrations ---------------------------------------------------------------------
    "bad_integration_kind": [
        "bad_integration_kind.yaml:3: integrations[0].kind: invalid value 'grafana': expected "
        "'alertmanager', 'pagerduty', 'webhook', 'heartbeat' or 'metrics'",
    ],
    "bad_integration_key": [  # a key is a secret: described, never echoed
        "bad_integration_key.yaml:4: integrations[0].key: invalid integration key: use 16 to "
        "128 letters, digits, '-' and '_'",
        "bad_integration_key.yaml:7: integrations[1].key: invalid integration key: use 16 to "
        "128 letters, digits, '-' and '_'",
    ],
    "numeric_integration_key": [
        "numeric_integration_key.yaml:4: integrations[0].key: expected text, got a number "
        "(quote the key)",
    ],
    "pagerduty_key_length": [
        "pagerduty_key_length.yaml:4: integrations[0].key: pagerduty routing keys are 32 "
        "characters, this one has 24",
    ],
    "duplicate_integration_slug": [
        "duplicate_integration_slug.yaml:5: integrations[1].slug: duplicate integration slug "
        "'alertmanager' (first defined at line 2)",
    ],
    "duplicate_integration_key": [
        "duplicate_integration_key.yaml:10: integrations[2].key: duplicate integration key "
        "(first defined at line 4)",
    ],
    "unknown_integration_team": [
        "unknown_integration_team.yaml:9: integrations[0].team: unknown team 'platfrom' "
        "(did you mean 'platform'?)",
    ],
    "unknown_integration_service": [
        "unknown_integration_service.yaml:13: integrations[0].service: unknown service "
        "'ingress' (did you mean 'k8s-ingress'?)",
    ],
    "bad_rate_limit": [
        "bad_rate_limit.yaml:6: integrations[0].rate_limit.per_second: must be more than 0, got 0",
        "bad_rate_limit.yaml:7: integrations[0].rate_limit.burst: must be at least 1, got 0",
        "bad_rate_limit.yaml:11: integrations[1].rate_limit.per_second: expected a number, "
        "got 'fast'",
        "bad_rate_limit.yaml:11: integrations[1].rate_limit.burst: expected a whole number, "
        "got 2.5",
    ],
    "webhook_without_transform": [
        "webhook_without_transform.yaml:2: integrations[0].transform: missing required key "
        "'transform': a webhook integration needs templates for at least title, dedup_key and "
        "status",
    ],
    "transform_on_alertmanager": [
        "transform_on_alertmanager.yaml:5: integrations[0].transform: transform is only for "
        "webhook integrations, not alertmanager",
    ],
    "heartbeat_without_schedule": [
        "heartbeat_without_schedule.yaml:2: integrations[0].heartbeat: missing required key "
        "'heartbeat': a heartbeat integration needs an interval or a cron schedule",
    ],
    "heartbeat_on_alertmanager": [
        "heartbeat_on_alertmanager.yaml:5: integrations[0].heartbeat: heartbeat is only for "
        "heartbeat integrations, not alertmanager",
    ],
    "heartbeat_interval_and_cron": [
        "heartbeat_interval_and_cron.yaml:7: integrations[0].heartbeat.cron: give interval or "
        "cron, not both",
    ],
    "heartbeat_without_interval_or_cron": [
        "heartbeat_without_interval_or_cron.yaml:5: integrations[0].heartbeat: missing "
        "'interval' or 'cron': give one, e.g. interval: 1h or cron: '0 3 * * *'",
    ],
    "bad_cron": [
        "bad_cron.yaml:6: integrations[0].heartbeat.cron: invalid cron expression "
        "'61 2 * * *': bad minute",
        "bad_cron.yaml:11: integrations[1].heartbeat.cron: invalid cron expression '@hourly': "
        "use 5 fields (minute hour day-of-month month day-of-week), e.g. '0 3 * * *'",
        "bad_cron.yaml:16: integrations[2].heartbeat.cron: invalid cron expression "
        "'0 6 * * monday': bad day-of-week",
        "bad_cron.yaml:17: integrations[2].heartbeat.timezone: unknown time zone "
        "'Europe/Praha': use an IANA name like Europe/Prague",
    ],
    "bad_template": [
        "bad_template.yaml:6: integrations[0].transform.title: invalid template: unexpected '}'",
        "bad_template.yaml:7: integrations[0].transform.dedup_key: invalid template: "
        "no filter named 'hash'",
        "bad_template.yaml:8: integrations[0].transform.status: invalid template: unexpected "
        "end of template. Jinja was looking for the following tags: 'endif'. The innermost "
        "block that needs to be closed is 'if'",
        "bad_template.yaml:9: integrations[0].transform.description: invalid template: "
        "expected name or number (line 2 of the template)",
        "bad_template.yaml:13: integrations[0].transform.labels.datacenter: must not be empty",
        "bad_template.yaml:16: integrations[0].transform.links[0].text: invalid template: "
        "expected an expression, got 'end of print statement'",
    ],
    "bad_transform_status": [
        "bad_transform_status.yaml:8: integrations[0].transform.status: status 'alerting' is "
        "neither firing nor resolved: write one of them, or a template that renders to one, "
        "e.g. \"{{ 'resolved' if payload.state == 'ok' else 'firing' }}\"",
    ],
    "missing_transform_keys": [
        "missing_transform_keys.yaml:5: integrations[0].transform.dedup_key: missing required "
        "key 'dedup_key'",
        "missing_transform_keys.yaml:5: integrations[0].transform.status: missing required "
        "key 'status'",
        "missing_transform_keys.yaml:7: integrations[0].transform.severty: unknown key "
        "'severty' (did you mean 'severity'?)",
        "missing_transform_keys.yaml:9: integrations[0].transform.links[0].href: missing "
        "required key 'href'",
    ],
    "bad_transform_label_name": [
        "bad_transform_label_name.yaml:10: integrations[0].transform.labels.data-center: "
        "invalid label name 'data-center': use letters, digits and '_', not starting with a "
        "digit",
        "bad_transform_label_name.yaml:11: integrations[0].transform.labels.2fa: invalid "
        "label name '2fa': use letters, digits and '_', not starting with a digit",
    ],
    "misspelled_alert_keys": [
        "misspelled_alert_keys.yaml:2: integrations[0].transform: missing required key "
        "'transform': a webhook integration needs templates for at least title, dedup_key and "
        "status",
        "misspelled_alert_keys.yaml:5: integrations[0].transfrom: unknown key 'transfrom' "
        "(did you mean 'transform'?)",
        "misspelled_alert_keys.yaml:9: alert_rules[0].matcher: unknown key 'matcher' "
        "(did you mean 'matchers'?)",
    ],
    # --- routing, severity map, inhibition ---------------------------------------------------
    "bad_naming_rule": [
        "bad_naming_rule.yaml:3: routing.naming_rules[0].pattern: invalid regular expression "
        "'^\\[(?P<team>[a-z-]+': missing ), unterminated subpattern at position 3",
        "bad_naming_rule.yaml:4: routing.naming_rules[1].pattern: the pattern has no named "
        "group: capture at least one of team, service, function or product, e.g. "
        "(?P<team>[a-z-]+)",
        "bad_naming_rule.yaml:6: routing.naming_rules[2].pattern: unknown named group 'teem' "
        "(did you mean 'team'?): use team, service, function or product",
    ],
    "unknown_severity_map_severity": [
        "unknown_severity_map_severity.yaml:3: severity_map.disaster: unknown severity 'SEV0'; "
        "defined severities: SEV1, SEV2, SEV3, SEV4",
    ],
    "uppercase_severity_label": [
        "uppercase_severity_label.yaml:2: severity_map.Critical: severity labels are compared "
        "in lowercase: write 'critical'",
    ],
    "bad_matcher": [
        "bad_matcher.yaml:2: inhibit_rules[0].source_matchers[0]: invalid matcher "
        '\'alertname=="DatacenterDown"\': use name="value", name!="value", '
        'name=~"regex" or name!~"regex"',
        "bad_matcher.yaml:6: alert_rules[0].matchers[0]: invalid regular expression "
        "'(critical|page': missing ), unterminated subpattern at position 1",
        "bad_matcher.yaml:6: alert_rules[0].matchers[1]: invalid matcher "
        '\'environment production\': use name="value", name!="value", name=~"regex" or '
        'name!~"regex"',
    ],
    "empty_inhibit_matchers": [
        "empty_inhibit_matchers.yaml:2: inhibit_rules[0].source_matchers: must not be empty",
        "empty_inhibit_matchers.yaml:2: inhibit_rules[0].target_matchers: missing required key "
        "'target_matchers'",
    ],
    "bad_inhibit_equal": [
        "bad_inhibit_equal.yaml:4: inhibit_rules[0].equal[0]: invalid label name "
        "'data-center': use letters, digits and '_', not starting with a digit",
        "bad_inhibit_equal.yaml:4: inhibit_rules[0].equal[1]: invalid label name '': use "
        "letters, digits and '_', not starting with a digit",
    ],
    # --- alert rules and alert settings ------------------------------------------------------
    "duplicate_alert_rule_name": [
        "duplicate_alert_rule_name.yaml:6: alert_rules[2].name: duplicate alert rule name "
        "'page-critical' (first defined at line 2)",
    ],
    "unknown_alert_rule_severity": [
        "unknown_alert_rule_severity.yaml:4: alert_rules[0].severity: unknown severity 'SEV0'; "
        "defined severities: SEV1, SEV2, SEV3, SEV4",
    ],
    "after_occurrences_without_within": [
        "after_occurrences_without_within.yaml:4: alert_rules[0].after_occurrences: "
        "after_occurrences needs within: the window to count occurrences in, e.g. within: 10m",
    ],
    "within_without_after_occurrences": [
        "within_without_after_occurrences.yaml:4: alert_rules[0].within: within applies only "
        "with after_occurrences: how many occurrences within the window it takes",
    ],
    "firing_for_with_after_occurrences": [
        "firing_for_with_after_occurrences.yaml:6: alert_rules[0].firing_for: firing_for "
        "cannot be combined with after_occurrences: a rule waits for one or the other",
    ],
    "bad_alert_rule_values": [
        "bad_alert_rule_values.yaml:2: alert_rules[0].name: invalid slug 'Page Critical': use "
        "lowercase letters, digits and hyphens, starting with a letter or digit",
        "bad_alert_rule_values.yaml:3: alert_rules[0].after_occurrences: must be at least 2, got 1",
        "bad_alert_rule_values.yaml:4: alert_rules[0].within: invalid duration '10 minutes': "
        "use a number and a unit, e.g. 90s, 15m, 1h30m, 2d",
        "bad_alert_rule_values.yaml:5: alert_rules[0].action: invalid value 'page': expected "
        "'incident', 'attach', 'notify' or 'ticket'",
        "bad_alert_rule_values.yaml:6: alert_rules[0].group_by: invalid value 'team': "
        "expected 'group_key', 'service' or 'none'",
        "bad_alert_rule_values.yaml:7: alert_rules[0].group_window: duration must be longer "
        "than zero, got '0m'",
    ],
    "bad_alerts_settings": [
        "bad_alerts_settings.yaml:2: alerts.on_all_resolved: invalid value 'close': expected "
        "'mitigate', 'resolve' or 'nothing'",
        "bad_alerts_settings.yaml:4: alerts.flapping.transitions: must be at least 2, got 1",
        "bad_alerts_settings.yaml:5: alerts.flapping.within: duration must be longer than "
        "zero, got '0s'",
    ],
    # --- status pages ---------------------------------------------------------------------
    "status_page_references": [
        "status_page_references.yaml:11: status_pages[0].components[1].service: unknown "
        "service 'serch-api' (did you mean 'search-api'?)",
        "status_page_references.yaml:12: status_pages[0].components[2].service: service "
        "'payments-api' is shown twice on this page (first defined at line 10)",
        "status_page_references.yaml:13: status_pages[0].impact.SEV2: invalid value "
        "'meltdown': expected 'none', 'degraded_performance', 'partial_outage' or "
        "'major_outage'",
        "status_page_references.yaml:13: status_pages[0].impact.SEV7: unknown severity 'SEV7' "
        "(did you mean 'SEV4'?)",
        "status_page_references.yaml:14: status_pages[0].public_updates[1]: unknown severity 'P1'",
        "status_page_references.yaml:15: status_pages[1].slug: duplicate status page slug "
        "'shop' (first defined at line 7)",
        "status_page_references.yaml:17: status_pages[1].components: must not be empty",
    ],
}


def test_every_fixture_has_expected_errors() -> None:
    assert sorted(path.stem for path in FIXTURES.glob("*.yaml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_invalid_fixture(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)

    with pytest.raises(ConfigError) as caught:
        load_config(f"{name}.yaml")

    assert [str(issue) for issue in caught.value.issues] == EXPECTED[name]
    assert str(caught.value) == "\n".join(EXPECTED[name])
    assert "pydantic" not in str(caught.value)
