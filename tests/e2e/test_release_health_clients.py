"""The real sentry-sdk (sessions, ``@monitor``) and the real ``sentry-cli monitors run``
against ``warroom serve`` on loopback, on SQLite and PostgreSQL: release health counts the
sessions, check-ins become monitors, a failing job raises an alert owned by the project's
team."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.stack import Stack, Warroom

pytestmark = pytest.mark.slow
KEY = "e2e0health0key0123456789abcdef00"
PROJECT_ID = 43
ROOT = Path(__file__).parents[2]
SENTRY_CLI = str(Path(sys.executable).with_name("sentry-cli"))
RUN_SECONDS = 60
PROJECTS = {
    "projects": [
        {
            "slug": "shop",
            "id": PROJECT_ID,
            "team": "payments",
            "platform": "python",
            "keys": [{"public_key": KEY}],
        }
    ]
}


def dsn(warroom: Warroom) -> str:
    return f"http://{KEY}@{warroom.hostport}/{PROJECT_ID}"


def monitors(warroom: Warroom) -> dict[str, dict[str, Any]]:
    return {m["slug"]: m for m in warroom.get("/api/v1/projects/shop/monitors")}


def cli(warroom: Warroom, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SENTRY_CLI, "monitors", "run", *args],
        env={**os.environ, "SENTRY_DSN": dsn(warroom)},
        capture_output=True,
        text=True,
        timeout=RUN_SECONDS,
        check=False,
    )


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_sdk_sessions_and_monitors_and_sentry_cli(
    stack: Stack, request: pytest.FixtureRequest, backend: str
) -> None:
    url = request.getfixturevalue("empty_postgres_url") if backend == "postgres" else None
    warroom = stack.warroom(database_url=url, extra=PROJECTS)
    warroom.wait_ready()
    done = subprocess.run(
        [sys.executable, "-m", "tests.e2e.health_client", dsn(warroom)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=RUN_SECONDS,
        check=False,
    )
    assert done.returncode == 0, done.stderr

    def health() -> dict[str, Any] | None:
        rows = warroom.get("/api/v1/projects/shop/health", release="shop@2.0")
        return rows[0] if rows and rows[0]["sessions"] >= 5 and rows[0]["crashed"] else None

    row = stack.wait(health, "release health of shop@2.0")
    assert (row["sessions"], row["crashed"], row["errored"], row["exited"]) == (5, 1, 1, 3)
    assert row["crash_free_sessions"] == pytest.approx(80.0)
    found = stack.wait(
        lambda: m if {"nightly", "broken"} <= (m := monitors(warroom)).keys() else None,
        "monitors of @monitor",
    )
    assert found["nightly"]["schedule"] == "crontab '0 3 * * *' (Europe/Prague)"
    assert [c["status"] for c in found["nightly"]["check_ins"]] == ["ok"]
    alert = stack.wait(
        lambda: next((a for a in warroom.alerts() if a["labels"].get("monitor") == "broken"), None),
        "alert of the failed job",
    )
    assert (alert["team"], alert["status"]) == ("payments", "firing")

    schedule = ["-s", "*/5 * * * *", "--check-in-margin", "2", "--max-runtime", "3"]
    assert cli(warroom, *schedule, "cli-job", "--", "true").returncode == 0
    assert cli(warroom, *schedule, "cli-fail", "--", "sh", "-c", "exit 3").returncode == 3
    assert cli(warroom, "unknown-job", "--", "true").returncode == 0  # refused by the worker

    def cli_monitors() -> dict[str, dict[str, Any]] | None:
        m = monitors(warroom)
        closed = all(
            m.get(s, {}).get("check_ins", [{}])[0].get("finished_at")
            for s in ("cli-job", "cli-fail")
        )
        return m if closed else None

    found = stack.wait(cli_monitors, "monitors of sentry-cli")
    assert found["cli-job"]["schedule"] == "crontab '*/5 * * * *' (UTC)"
    assert (found["cli-job"]["state"], found["cli-fail"]["state"]) == ("ok", "failing")
    assert "unknown-job" not in found
    stack.wait(
        lambda: [a for a in warroom.alerts() if a["labels"].get("monitor") == "cli-fail"],
        "alert of the failed sentry-cli job",
    )
