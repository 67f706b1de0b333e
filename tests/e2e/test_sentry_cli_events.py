"""The real sentry-cli binary (from PyPI) sends events to ``warroom serve`` on loopback:
``send-event`` with a message and its arguments, tags, a user, a fingerprint, and a JSON
file of a raw event (the captured fixture), on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.stack import Stack, Warroom

pytestmark = pytest.mark.slow
SENTRY_CLI = str(Path(sys.executable).with_name("sentry-cli"))
KEY = "e2e0sentry0cli0key01234567890ab"
EVENT_ID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}")
FIXTURE = (
    Path(__file__).parents[1]
    / "fixtures"
    / "sentry"
    / "sdk-events"
    / "incoming"
    / "sentry_cli_send_event_no_level.json"
)
CLI_SECONDS = 60
PROJECTS = {
    "projects": [
        {
            "slug": "jobs",
            "id": 61,
            "team": "payments",
            "platform": "other",
            "keys": [{"public_key": KEY}],
        }
    ]
}


@pytest.fixture(params=["sqlite", "postgres"])
def warroom(stack: Stack, request: pytest.FixtureRequest) -> Warroom:
    url = request.getfixturevalue("empty_postgres_url") if request.param == "postgres" else None
    running = stack.warroom(database_url=url, extra=PROJECTS)
    running.wait_ready()
    return running


def send_event(warroom: Warroom, *args: str) -> str:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "SENTRY_DSN": f"http://{KEY}@{warroom.hostport}/61",
    }
    done = subprocess.run(
        [SENTRY_CLI, "send-event", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=CLI_SECONDS,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    found = EVENT_ID.findall(done.stdout + done.stderr)
    assert found, done.stdout + done.stderr
    return found[-1].replace("-", "")


def issue_of(stack: Stack, warroom: Warroom, event_id: str) -> dict[str, Any]:
    def found() -> dict[str, Any] | None:
        answer = warroom.client.get(f"/api/v1/errors/events/{event_id}")
        return answer.json() if answer.status_code == 200 else None

    event = stack.wait(found, f"event {event_id}")
    issue: dict[str, Any] = warroom.get(f"/api/v1/errors/issues/{event['issue']}")
    return issue


def test_send_event_messages_fingerprints_and_files(stack: Stack, warroom: Warroom) -> None:
    """One warroom per database for the three ways (each start costs seconds)."""
    event_id = send_event(
        warroom,
        "-m", "Nightly export of %s failed after %s tries",
        "-a", "invoices",
        "-a", "3",
        "--level", "warning",
        "-r", "jobs@4.2.0",
        "-E", "production",
        "-t", "team:platform",
        "-u", "id:42",
        "--no-environ",
    )  # fmt: skip
    issue = issue_of(stack, warroom, event_id)
    assert issue["title"] == "Nightly export of invoices failed after 3 tries"
    assert (issue["level"], issue["first_release"], issue["team"]) == (
        "warning",
        "jobs@4.2.0",
        "platform",
    )
    assert issue["routed_by"]["step"] == "tag"
    assert issue["users"] == 1
    assert issue["tags"]["environment"] == [{"value": "production", "count": 1}]

    first = send_event(warroom, "-m", "disk full on db-1", "-f", "disk-full", "--no-environ")
    second = send_event(warroom, "-m", "disk full on db-2", "-f", "disk-full", "--no-environ")
    assert issue_of(stack, warroom, first)["id"] == issue_of(stack, warroom, second)["id"]
    assert issue_of(stack, warroom, second)["events"] == 2

    from_file = issue_of(stack, warroom, send_event(warroom, str(FIXTURE)))
    assert from_file["title"] == (
        "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor "
        "incididunt ut labo..."
    )
