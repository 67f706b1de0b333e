"""The models used by the rest of the app: helpers, durations, hours, errors."""

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from warroom.config import (
    Config,
    ConfigError,
    ConfigIssue,
    ResponseWindow,
    Team,
    format_duration,
    parse_config,
    parse_duration,
    summary,
)

ACME = """\
teams:
  - {slug: payments, name: Payments, timezone: Europe/Prague}
  - {slug: search, name: Search, timezone: America/New_York}
services:
  - {slug: payments-api, name: Payments API, team: payments, tier: 1}
"""


def test_lookups() -> None:
    config = parse_config(ACME)

    payments = config.team("payments")
    assert payments is not None and payments.name == "Payments"
    assert config.team("nope") is None
    api = config.service("payments-api")
    assert api is not None and api.team == "payments" and api.tier == 1
    assert config.service("nope") is None
    assert config.services_of("payments") == [api]
    sev2 = config.severity("SEV2")
    assert sev2 is not None and sev2.name == "Major"
    assert config.severity("SEV9") is None


def test_severity_order_is_the_order_of_the_list() -> None:
    config = parse_config(
        "severities:\n"
        "  - {key: P1, name: Outage, response: always, page: true}\n"
        "  - {key: P2, name: Degraded, response: working_hours, page: false}\n"
        "incident_defaults: {severity: P2}\n"
    )

    assert config.severity_keys() == ["P1", "P2"]
    assert [config.severity_rank("P1"), config.severity_rank("P2")] == [0, 1]
    with pytest.raises(KeyError, match="unknown severity 'SEV1'"):
        config.severity_rank("SEV1")
    p2 = config.severity("P2")
    assert p2 is not None
    assert (p2.update_every, p2.postmortem, p2.postmortem_required) == (None, "optional", False)


def test_summary_counts_and_pluralises() -> None:
    assert summary(Config()) == "0 teams, 0 services, 4 severities"
    assert summary(parse_config(ACME)) == "2 teams, 1 service, 4 severities"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("15m", timedelta(minutes=15)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("2d", timedelta(days=2)),
        ("1d2h3m4s", timedelta(days=1, hours=2, minutes=3, seconds=4)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "15", "15 minutes", "1.5h", "m", "30m1h", "-5m", "15M"])
def test_invalid_durations(text: str) -> None:
    with pytest.raises(ValueError, match="invalid duration"):
        parse_duration(text)


def test_durations_format_back() -> None:
    assert [format_duration(parse_duration(t)) for t in ("90s", "15m", "1h30m", "2d")] == [
        "1m30s",
        "15m",
        "1h30m",
        "2d",
    ]


def test_json_dump_reads_like_the_yaml() -> None:
    dumped = parse_config(ACME).model_dump(mode="json")

    assert dumped["severities"][0]["update_every"] == "15m"
    assert dumped["teams"][0]["working_hours"] == {
        "days": ["mon", "tue", "wed", "thu", "fri"],
        "start": "09:00",
        "end": "17:00",
    }
    assert dumped["incident_defaults"]["first_update_within"] == "10m"
    assert Config.model_validate(dumped) == parse_config(ACME)


def test_response_windows_follow_the_team_time_zone() -> None:
    team = Team(slug="search", name="Search", timezone="America/New_York")
    # Monday 2025-03-03: 14:00 UTC is 09:00 in New York, 03:00 UTC is Sunday 22:00 there.
    monday_morning = datetime(2025, 3, 3, 14, 0, tzinfo=UTC)
    sunday_night = datetime(2025, 3, 3, 3, 0, tzinfo=UTC)
    saturday_noon = datetime(2025, 3, 1, 17, 0, tzinfo=UTC)

    assert team.responds_at(ResponseWindow.WORKING_HOURS, monday_morning)
    assert not team.responds_at(ResponseWindow.WORKING_HOURS, sunday_night)
    assert not team.responds_at(ResponseWindow.WORKING_HOURS, saturday_noon)
    assert team.responds_at(ResponseWindow.EXTENDED_HOURS, saturday_noon)
    assert not team.responds_at(ResponseWindow.EXTENDED_HOURS, sunday_night)
    assert team.responds_at(ResponseWindow.ALWAYS, sunday_night)
    assert not team.responds_at(ResponseWindow.NONE, monday_morning)
    with pytest.raises(ValueError, match="timezone-aware"):
        team.responds_at(ResponseWindow.ALWAYS, datetime(2025, 3, 3, 14, 0))


def test_models_are_frozen() -> None:
    config = parse_config(ACME)

    with pytest.raises(ValidationError):
        config.teams[0].name = "Renamed"  # type: ignore[misc]


def test_config_built_in_code_checks_references_too() -> None:
    with pytest.raises(ValidationError) as caught:
        Config.model_validate(
            {
                "teams": [{"slug": "a", "name": "A", "timezone": "UTC"}] * 2,
                "services": [{"slug": "x", "name": "X", "team": "b"}],
            }
        )

    assert caught.value.errors()[0]["msg"] == (
        "teams[1].slug: duplicate team slug 'a' (first defined at teams[0].slug); "
        "services[0].team: unknown team 'b'"
    )


def test_config_issue_and_error_text() -> None:
    with_line = ConfigIssue("warroom.yaml", 12, "teams[2].timezone", "unknown time zone 'X'")
    without_line = ConfigIssue("conf.d", None, "<root>", "file not found")
    error = ConfigError([with_line, without_line])

    assert str(with_line) == "warroom.yaml:12: teams[2].timezone: unknown time zone 'X'"
    assert str(without_line) == "conf.d: <root>: file not found"
    assert error.issues == [with_line, without_line]
    assert str(error) == f"{with_line}\n{without_line}"


def test_email_with_both_starttls_and_tls_is_refused_naming_both() -> None:
    with pytest.raises(ConfigError, match=r"notifications\.email: starttls and tls: choose one"):
        parse_config(
            ACME + "\nnotifications:\n  email: {host: mail.example, from_address: w@example.com,"
            " starttls: true, tls: true}\n"
        )
    config = parse_config(
        ACME + "\nnotifications:\n  email: {host: mail.example, from_address: w@example.com,"
        " tls: true}\n"
    )
    assert config.notifications.email is not None and config.notifications.email.tls
