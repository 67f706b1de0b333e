"""The release gate end to end, with the real sentry-sdk and a real ``warroom serve``:
release 1.1 raises a new error in staging, so the gate fails; the issue is resolved in the
next release and 1.2 is clean in staging, so the gate passes; production then sees the error
again in 1.3 — a regression — which opens an incident for the team a code-owner rule names
and pages its on-call person by email (a real SMTP server) through escalation."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.stack import TEAM, Stack, Warroom
from tests.e2e.test_paging_e2e import paging_config
from tests.support.sinks import SmtpSink

pytestmark = pytest.mark.slow
ROOT = Path(__file__).parents[2]
WARROOM_CLI = str(Path(sys.executable).with_name("warroom"))
KEY = "e2e0release0gate0key0123456789ab"
PROJECT_ID = 71
GATE_PASSED, GATE_FAILED = 0, 1
CLI_SECONDS = 120


def gate_config(smtp_port: int) -> dict[str, Any]:
    config = paging_config(smtp_port)
    config["projects"] = [
        {
            "slug": "billing",
            "id": PROJECT_ID,
            "team": "payments",
            "platform": "python",
            "keys": [{"public_key": KEY}],
            # the error is raised in tests/e2e/clients/python_app.py: checkout owns that file
            "code_owners": ["path:**/clients/*.py #" + TEAM],
        }
    ]
    config["issue_rules"] = [
        {
            "name": "production-regressions",
            "conditions": [{"kind": "regression"}, {"kind": "new_issue"}],
            "environments": ["production"],
            "action": "incident",
            "severity": "SEV1",
        }
    ]
    return config


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


def raise_error(warroom: Warroom, release: str, environment: str) -> str:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.e2e.clients.python_app",
            f"http://{KEY}@{warroom.hostport}/{PROJECT_ID}",
            "error",
            release,
            environment,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=CLI_SECONDS,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    event_id: str = json.loads(done.stdout.strip().splitlines()[-1])["events"][0]
    return event_id


def warroom_cli(warroom: Warroom, *args: str) -> subprocess.CompletedProcess[str]:
    token = warroom.client.headers["Authorization"].removeprefix("Bearer ")
    env = {**os.environ, "WARROOM_URL": warroom.url, "WARROOM_TOKEN": token}
    return subprocess.run(
        [WARROOM_CLI, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=CLI_SECONDS,
        check=False,
    )


def gate(warroom: Warroom, release: str) -> subprocess.CompletedProcess[str]:
    return warroom_cli(
        warroom,
        "release", "check",
        "--project", "billing",
        "--release", release,
        "--environment", "staging",
        "--wait", "30s",
        "--interval", "0.5",
        "--json",
    )  # fmt: skip


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_release_gate_from_staging_to_a_production_regression_that_pages(
    stack: Stack, smtp: SmtpSink, request: pytest.FixtureRequest, backend: str
) -> None:
    url = request.getfixturevalue("empty_postgres_url") if backend == "postgres" else None
    warroom = stack.warroom(database_url=url, extra=gate_config(smtp.port))
    warroom.wait_ready()

    staging_event = raise_error(warroom, "billing@1.1.0", "staging")
    stack.wait(
        lambda: (
            warroom.client.get(f"/api/v1/errors/events/{staging_event}").status_code == 200 or None
        ),
        "the staging error",
    )
    failed = gate(warroom, "billing@1.1.0")
    assert failed.returncode == GATE_FAILED, failed.stderr
    [issue] = json.loads(failed.stdout)["issues"]
    assert issue["short_id"] == "BILLING-1"
    assert not warroom.incidents()  # staging: no incident rule applies

    resolved = warroom_cli(warroom, "errors", "resolve", "BILLING-1", "--next-release", "--json")
    assert resolved.returncode == 0, resolved.stderr
    assert json.loads(resolved.stdout)["resolved_in_release"] == "billing@1.1.0"
    made = warroom_cli(warroom, "release", "new", "billing@1.2.0", "--project", "billing")
    assert made.returncode == 0, made.stderr
    deployed = warroom_cli(
        warroom, "release", "deploy", "billing@1.2.0", "--environment", "staging"
    )
    assert deployed.returncode == 0, deployed.stderr
    passed = gate(warroom, "billing@1.2.0")
    assert passed.returncode == GATE_PASSED, passed.stdout + passed.stderr

    raise_error(warroom, "billing@1.3.0", "production")
    [incident] = stack.wait(lambda: warroom.incidents() or None, "the regression's incident")
    assert (incident["severity"], incident["team"]) == ("SEV1", TEAM)
    issue = warroom.get("/api/v1/errors/issues/BILLING-1")
    assert (issue["status"], issue["substatus"]) == ("unresolved", "regressed")
    assert issue["routed_by"]["step"] == "code_owners"
    assert issue["incident"] == incident["ref"]
    [page] = stack.wait(lambda: smtp.to("alice@example.com") or None, "the on-call's page")
    assert incident["ref"] in page.subject
