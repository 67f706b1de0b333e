"""``warroom config check``: errors with their place in the file (exit 1); warnings for a
configuration that loads but reaches nobody (exit 0)."""

from __future__ import annotations

from pathlib import Path

from click.testing import Result
from typer.testing import CliRunner

from tests.cli.harness import wide_console
from warroom.cli.main import app as cli_app

TEAMS = """\
teams:
  - slug: platform
    name: Platform
    timezone: UTC
    contacts: [{kind: email, target: platform@acme.example}]
  - slug: search
    name: Search
    timezone: UTC
"""


def check(tmp_path: Path, text: str) -> Result:
    path = tmp_path / "warroom.yaml"
    path.write_text(text)
    with wide_console():
        return CliRunner().invoke(cli_app, ["config", "check", str(path)])


def test_a_service_without_a_team_is_an_error_naming_it(tmp_path: Path) -> None:
    result = check(
        tmp_path,
        TEAMS
        + "services:\n"
        + "  - {slug: k8s, name: Kubernetes, team: platform}\n"
        + "  - {slug: search-api, name: Search API}\n",
    )
    assert result.exit_code == 1
    assert "warroom.yaml:11: services[1].team: missing required key 'team'" in result.stderr
    assert "OK" not in result.stdout


def test_a_team_without_contacts_is_a_warning_with_its_services(tmp_path: Path) -> None:
    result = check(
        tmp_path,
        TEAMS
        + "services:\n"
        + "  - {slug: k8s, name: Kubernetes, team: platform}\n"
        + "  - {slug: search-api, name: Search API, team: search}\n",
    )
    assert result.exit_code == 0, result.stderr
    assert "warroom.yaml: OK:" in result.stdout
    assert result.stderr.splitlines() == [
        "warning: team 'search' has no contacts: nobody can be notified",
        "warning: service 'search-api' is owned by team 'search', which has no contacts: its "
        "incidents reach nobody",
    ]
