"""The ``trackers`` section and each team's ``tracker`` / ``track_incidents``."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.cli.harness import wide_console
from warroom.cli.main import app as cli_app
from warroom.config import ConfigError, load_config
from warroom.config.trackers import TrackerKind

TRACKERS = """\
trackers:
  - {name: gh, kind: github, url: "https://api.github.com", project: acme/ops,
     token_env: GH_TOKEN}
  - {name: jira, kind: jira, url: "https://acme.atlassian.net", project: OPS,
     email: bot@acme.example, token_env: JIRA_TOKEN, issue_type: Bug}
  - {name: yt, kind: youtrack, url: "https://acme.youtrack.cloud", project: "0-1",
     token_env: YT_TOKEN}
"""


def issues_of(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "warroom.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return [str(issue) for issue in caught.value.issues]


def test_trackers_and_a_team_that_uses_one_load(tmp_path: Path) -> None:
    path = tmp_path / "warroom.yaml"
    path.write_text(
        TRACKERS + "teams:\n  - {slug: ops, name: Ops, timezone: UTC, tracker: jira, "
        "track_incidents: true}\n"
    )
    config = load_config(path)
    jira = config.tracker("jira")
    assert jira is not None
    assert (jira.kind, jira.issue_type, jira.writes_per_minute) == (TrackerKind.JIRA, "Bug", 30)
    team = config.team("ops")
    assert team is not None
    assert (team.tracker, team.track_incidents) == ("jira", True)


def test_a_team_naming_an_unknown_tracker_is_an_error_naming_the_field(
    tmp_path: Path,
) -> None:
    issues = issues_of(
        tmp_path, TRACKERS + "teams:\n  - {slug: ops, name: Ops, timezone: UTC, tracker: jiar}\n"
    )
    assert len(issues) == 1
    assert "teams[0].tracker" in issues[0]
    assert "unknown tracker 'jiar'" in issues[0]


def test_a_jira_tracker_needs_the_email_of_its_token(tmp_path: Path) -> None:
    issues = issues_of(
        tmp_path,
        "trackers:\n  - {name: j, kind: jira, url: 'https://a.atlassian.net', project: OPS, "
        "token_env: T}\n",
    )
    assert len(issues) == 1
    assert "trackers[0].email" in issues[0]
    assert "a jira tracker needs email" in issues[0]


def test_track_incidents_needs_a_tracker(tmp_path: Path) -> None:
    issues = issues_of(
        tmp_path, "teams:\n  - {slug: ops, name: Ops, timezone: UTC, track_incidents: true}\n"
    )
    assert len(issues) == 1
    assert "teams[0].track_incidents" in issues[0]


def test_config_check_reports_the_unknown_tracker(tmp_path: Path) -> None:
    path = tmp_path / "warroom.yaml"
    path.write_text(TRACKERS + "teams:\n  - {slug: ops, name: Ops, timezone: UTC, tracker: nope}\n")
    with wide_console():
        result = CliRunner().invoke(cli_app, ["config", "check", str(path)])
    assert result.exit_code == 1
    assert "teams[0].tracker" in result.output
    assert "unknown tracker 'nope'" in result.output


def test_a_webhook_tracker_needs_the_secret_that_signs_it(tmp_path: Path) -> None:
    issues = issues_of(
        tmp_path, "trackers:\n  - {name: w, kind: webhook, url: 'https://hooks.example/x'}\n"
    )
    assert len(issues) == 1
    assert "trackers[0].webhook_secret_env" in issues[0]
