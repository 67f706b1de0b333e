"""The game days page: scenarios with a Run button for responders, the runs with their
measures, the scorecard; the button runs a drill through intake (CSRF-checked form)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.incidents.helpers import act
from tests.learn.drills.helpers import drill_app
from tests.support.api import Harness
from tests.support.sinks import HttpSink, SmtpSink
from tests.support.web import web_user
from warroom.auth.models import UserRole


@pytest.fixture
def app(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Harness]:
    monkeypatch.setenv("WARROOM_TEST_HOOK_SECRET", "s3cret")
    with SmtpSink() as smtp, HttpSink() as hook, drill_app(engine, tmp_path, smtp, hook) as api:
        yield api


def test_a_responder_runs_a_drill_from_the_page_and_sees_it_scored(app: Harness) -> None:
    rita = web_user(app, "rita")
    page = rita.get("/drills")
    assert page.status_code == 200
    assert 'id="scenario-payments-am"' in page.text
    assert 'action="/drills/payments-am/run"' in page.text
    ran = rita.post("/drills/payments-am/run", {})
    assert ran.status_code == 303
    [run] = app.ok("GET", "/api/v1/drills/runs")
    assert ran.headers["location"] == f"/drills#run-{run['id']}"
    assert (run["started_by"], run["status"]) == ("rita", "running")
    app.clock.advance(seconds=30)
    app.drain()
    act(app, "acknowledge")
    app.ok("POST", "/api/v1/incidents/INC-1/updates", json={"text": "Drill update."})
    act(app, "resolve")
    app.drain()

    shown = rita.get("/drills").text
    row = shown[shown.index(f'id="run-{run["id"]}"') :]
    row = row[: row.index("</tr>")]
    assert 'href="/incidents/INC-1"' in row
    assert "30 s" in row and "passed" in row
    assert 'id="scorecard-payments"' in shown
    assert "payments: 1 of 1 runs passed" in shown


def test_a_viewer_sees_no_run_button_and_cannot_post_one(app: Harness) -> None:
    victor = web_user(app, "victor", UserRole.VIEWER)
    page = victor.get("/drills")
    assert page.status_code == 200
    assert 'id="scenario-payments-am"' in page.text
    assert 'action="/drills/payments-am/run"' not in page.text
    assert victor.post("/drills/payments-am/run", {}).status_code == 403
    assert app.ok("GET", "/api/v1/drills/runs") == []


def test_an_unknown_scenario_from_the_page_is_a_404_page(app: Harness) -> None:
    rita = web_user(app, "rita")
    response = rita.post("/drills/nope/run", {})
    assert response.status_code == 404
    assert "unknown drill scenario" in response.text
