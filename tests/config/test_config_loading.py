"""Loading files and folders: defaults, merging, YAML details, the example."""

from datetime import time, timedelta
from itertools import pairwise
from pathlib import Path

import pytest

from warroom.config import (
    Config,
    ConfigError,
    ConfigIssue,
    PostmortemPolicy,
    ResponseWindow,
    load_config,
    parse_config,
    summary,
)

EXAMPLE = Path(__file__).parents[2] / "examples" / "warroom.yaml"

TEAM = """\
teams:
  - slug: {slug}
    name: {slug}
    timezone: Europe/Prague
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def issues_of(path: str | Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return [str(issue) for issue in caught.value.issues]


@pytest.mark.parametrize("text", ["", "# only a comment\n", "{}\n", "~\n"])
def test_an_empty_file_gives_the_defaults(tmp_path: Path, text: str) -> None:
    config = load_config(write(tmp_path / "warroom.yaml", text))

    assert config == Config.default()
    assert config.teams == []
    assert config.services == []
    assert config.organization.name == "warroom"
    assert config.incident_defaults.severity == "SEV3"
    assert config.incident_defaults.first_update_within == timedelta(minutes=10)
    assert config.incident_defaults.triage_team is None


def test_default_severities() -> None:
    rows = [
        (s.key, s.name, s.response, s.page, s.update_every, s.postmortem, s.postmortem_required)
        for s in Config().severities
    ]

    assert rows == [
        ("SEV1", "Critical", ResponseWindow.ALWAYS, True, timedelta(minutes=15),
         PostmortemPolicy.REQUIRED, True),
        ("SEV2", "Major", ResponseWindow.EXTENDED_HOURS, True, timedelta(minutes=30),
         PostmortemPolicy.REQUIRED, True),
        ("SEV3", "Minor", ResponseWindow.WORKING_HOURS, False, timedelta(hours=4),
         PostmortemPolicy.OPTIONAL, False),
        ("SEV4", "Low", ResponseWindow.NONE, False, None, PostmortemPolicy.NONE, False),
    ]  # fmt: skip
    assert all(severity.description for severity in Config().severities)
    assert "0.1%" in Config().severities[3].description


def test_the_example_loads_with_the_expected_organisation() -> None:
    config = load_config(EXAMPLE)

    assert config.organization.name == "Acme Shop"
    assert [team.slug for team in config.teams] == [
        "checkout", "payments", "search", "inventory", "platform", "triage",
    ]  # fmt: skip
    assert len(config.services) == 14
    assert config.severity_keys() == ["SEV1", "SEV2", "SEV3", "SEV4"]
    assert config.incident_defaults.triage_team == "triage"
    assert summary(config) == "6 teams, 14 services, 4 severities"
    assert {team.timezone for team in config.teams} >= {
        "Europe/Prague", "Europe/London", "America/New_York",
    }  # fmt: skip
    chain = ["checkout-web", "checkout-api", "payments-api", "payments-gateway"]
    for service, dependency in pairwise(chain):
        found = config.service(service)
        assert found is not None and dependency in found.depends_on
    platform = [s.slug for s in config.services if s.team == "platform"]
    assert {"postgres-primary", "kafka", "k8s-ingress"} <= set(platform)
    assert all(s.runbook_url or s.runbook for s in config.services)
    assert all(team.contacts for team in config.teams)


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"

    assert issues_of(missing) == [f"{missing}: <root>: file not found"]


def test_a_file_that_is_not_utf8_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"organization:\n  name: Caf\xe9\n")

    assert issues_of(path) == [f"{path}:2: <root>: the file is not UTF-8 text"]


def test_unquoted_times_are_times_not_base_60_numbers(tmp_path: Path) -> None:
    path = write(
        tmp_path / "w.yaml",
        TEAM.format(slug="ops") + "    working_hours: {days: [mon], start: 08:30, end: 17:45}\n",
    )

    hours = load_config(path).teams[0].working_hours
    assert (hours.start, hours.end) == (time(8, 30), time(17, 45))


def test_anchors_aliases_and_merge_keys(tmp_path: Path) -> None:
    path = write(
        tmp_path / "w.yaml",
        """\
teams:
  - slug: a
    name: A
    timezone: Europe/Prague
    working_hours: &early {days: [mon, tue], start: "07:00", end: "15:00"}
  - slug: b
    name: B
    timezone: Europe/Prague
    working_hours: *early
services:
  - &base
    slug: one
    name: One
    team: a
    tier: 1
  - <<: *base
    slug: two
    name: Two
""",
    )

    config = load_config(path)

    assert config.teams[1].working_hours == config.teams[0].working_hours
    two = config.service("two")
    assert two is not None and (two.name, two.team, two.tier) == ("Two", "a", 1)


def test_merged_keys_keep_the_line_of_their_anchor(tmp_path: Path) -> None:
    path = write(
        tmp_path / "w.yaml",
        """\
services:
  - &base
    slug: one
    name: One
    team: nobody
  - <<: *base
    slug: two
""",
    )

    assert issues_of(path) == [
        f"{path}:5: services[0].team: unknown team 'nobody'",
        f"{path}:5: services[1].team: unknown team 'nobody'",
    ]


def test_a_recursive_alias_is_reported_at_its_anchor(tmp_path: Path) -> None:
    path = write(tmp_path / "w.yaml", "teams: &loop\n  - *loop\n")

    assert issues_of(path) == [
        f"{path}:1: teams[0]: an alias refers to the value that contains it",
        f"{path}:1: teams[0]: expected a mapping, got nothing (null)",
    ]


def test_keys_must_be_plain_text() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config("organization:\n  name: Acme\n  ? [a, b]\n  : 1\n", file="w.yaml")

    assert str(caught.value) == (
        "w.yaml:3: organization: keys must be plain text, not a list or a mapping"
    )


def test_parse_config_names_the_source_in_messages() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config("organization: {name: Acme, size: 3}\n", file="inline.yaml")

    assert caught.value.issues == [
        ConfigIssue(
            "inline.yaml", 1, "organization.size", "unknown key 'size' (allowed keys: name)"
        )
    ]
    assert parse_config("organization: {name: Acme}\n").organization.name == "Acme"


# --- folders -------------------------------------------------------------------------------


def test_a_folder_merges_its_files_in_name_order(tmp_path: Path) -> None:
    folder = tmp_path / "conf.d"
    write(folder / "20-search.yaml", TEAM.format(slug="search"))
    write(
        folder / "10-base.yml",
        "organization: {name: Acme Shop}\n" + TEAM.format(slug="payments"),
    )
    write(
        folder / "30-services.yaml",
        "services:\n  - {slug: search-api, name: Search API, team: search}\n"
        "  - {slug: payments-api, name: Payments API, team: payments}\n",
    )
    write(folder / "notes.txt", "not configuration")
    write(folder / ".editor-backup.yaml", "this: [is ignored")

    config = load_config(folder)

    assert config.organization.name == "Acme Shop"
    assert [team.slug for team in config.teams] == ["payments", "search"]
    assert [service.slug for service in config.services] == ["search-api", "payments-api"]


def test_a_key_defined_in_two_files_names_both(tmp_path: Path) -> None:
    folder = tmp_path / "conf.d"
    first = write(folder / "a.yaml", "organization:\n  name: Acme\n")
    second = write(folder / "b.yaml", "teams: []\n\norganization:\n  name: Acme Shop\n")

    assert issues_of(folder) == [
        f"{second}:3: organization: 'organization' is already defined in {first}:1; only lists "
        "(teams, services, integrations, alert_rules, ...) can be split across files",
    ]


def test_folder_errors_point_into_the_right_file_and_line(tmp_path: Path) -> None:
    folder = tmp_path / "conf.d"
    teams = write(folder / "1-teams.yaml", TEAM.format(slug="search") + TEAM[7:].format(slug="ops"))
    services = write(
        folder / "2-services.yaml",
        "services:\n"
        "  - slug: search-api\n"
        "    name: Search API\n"
        "    team: serch\n"
        "  - slug: search-api\n"
        "    name: Again\n"
        "    team: search\n",
    )
    more = write(folder / "3-more.yaml", TEAM.format(slug="search"))

    assert issues_of(folder) == [
        f"{services}:4: services[0].team: unknown team 'serch' (did you mean 'search'?)",
        f"{services}:5: services[1].slug: duplicate service slug 'search-api' "
        "(first defined at line 2)",
        f"{more}:2: teams[2].slug: duplicate team slug 'search' (first defined at {teams}:2)",
    ]


def test_a_broken_file_in_a_folder_stops_validation(tmp_path: Path) -> None:
    folder = tmp_path / "conf.d"
    write(folder / "a.yaml", TEAM.format(slug="search"))
    broken = write(folder / "b.yaml", "services: [\n")

    issues = issues_of(folder)

    assert len(issues) == 1
    assert issues[0].startswith(f"{broken}:2: <root>: invalid YAML: ")


def test_a_folder_without_yaml_files_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "readme.txt", "hello")

    assert issues_of(tmp_path) == [f"{tmp_path}: <root>: no .yaml or .yml files in this folder"]
