"""Each invalid configuration has its own fixture file and exactly these error lines."""

from pathlib import Path

import pytest

from warroom.config import ConfigError, load_config

FIXTURES = Path(__file__).parent / "fixtures" / "invalid"

EXPECTED: dict[str, list[str]] = {
    "unknown_key": [
        "unknown_key.yaml:5: teams[0].colour: unknown key 'colour' (allowed keys: slug, name, "
        "timezone, working_hours, extended_hours, contacts)",
    ],
    "misspelled_key": [
        "misspelled_key.yaml:9: services[0].runbok_url: unknown key 'runbok_url' "
        "(did you mean 'runbook_url'?)",
    ],
    "unknown_top_level_key": [
        "unknown_top_level_key.yaml:3: escalation: unknown key 'escalation' (allowed keys: "
        "organization, teams, services, severities, incident_defaults)",
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
