"""Drill runs through the real intake: the incident is a drill, its page says DRILL, and
the run measures time to detect, to acknowledge and to the first update (FakeClock)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.incidents.helpers import INCIDENTS, act
from tests.learn.drills.helpers import DRILLS, drill_app, get_run, run
from tests.support.api import Harness
from tests.support.sinks import HttpSink, SmtpSink
from warroom.auth.models import UserRole
from warroom.db.engine import make_session_factory
from warroom.ingest.models import Heartbeat, HeartbeatState


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def hook(monkeypatch: pytest.MonkeyPatch) -> Iterator[HttpSink]:
    monkeypatch.setenv("WARROOM_TEST_HOOK_SECRET", "s3cret")
    with HttpSink() as sink:
        yield sink


@pytest.fixture
def app(engine: Engine, tmp_path: Path, smtp: SmtpSink, hook: HttpSink) -> Iterator[Harness]:
    with drill_app(engine, tmp_path, smtp, hook) as harness:
        yield harness


def respond(app: Harness, ack_after: int, update_after: int, resolve_after: int) -> None:
    """Acknowledge, post the first update and resolve INC-1, each that many seconds after
    the step before."""
    app.clock.advance(seconds=ack_after)
    act(app, "acknowledge")
    app.clock.advance(seconds=update_after)
    app.ok("POST", f"{INCIDENTS}/INC-1/updates", json={"text": "Drill: failing over."})
    app.clock.advance(seconds=resolve_after)
    act(app, "resolve")
    app.drain()


def test_an_alertmanager_drill_opens_a_drill_incident_that_pages_marked_drill(
    app: Harness, smtp: SmtpSink
) -> None:
    started = run(app, "payments-am")
    assert (started["status"], started["incident"]) == ("running", None)
    app.clock.advance(seconds=30)
    app.drain()

    incident = app.ok("GET", f"{INCIDENTS}/INC-1")
    assert incident["drill"] is True
    assert incident["title"] == "DRILL: PaymentsApiDown"
    assert incident["severity"] == "SEV1"
    [page] = [m for m in smtp.to("alice@example.com") if "paged" in m.part("plain")]
    assert page.subject.startswith("[DRILL] [SEV1] INC-1 DRILL: PaymentsApiDown")
    assert page.part("plain").count("[DRILL]") >= 1
    assert get_run(app, started["id"])["incident"] == "INC-1"


def test_the_run_measures_each_time_against_its_target_and_passes(app: Harness) -> None:
    started = run(app, "payments-am")
    app.clock.advance(seconds=30)
    app.drain()
    respond(app, ack_after=90, update_after=120, resolve_after=60)

    scored = get_run(app, started["id"])
    assert (scored["status"], scored["ended"], scored["passed"]) == ("scored", "resolved", True)
    # detect: injection to opened; acknowledge and first update: from opened.
    assert scored["detect"] == {"seconds": 30.0, "target_seconds": 120.0, "passed": True}
    # The payments policy waits 5m after paging alice: that is the acknowledge target.
    assert scored["acknowledge"] == {"seconds": 90.0, "target_seconds": 300.0, "passed": True}
    # incident_defaults.first_update_within (default 10m) is the first update's target.
    assert scored["first_update"] == {"seconds": 210.0, "target_seconds": 600.0, "passed": True}
    assert (scored["severity"], scored["severity_passed"]) == ("SEV1", True)


def test_a_slow_acknowledgement_fails_that_measure_and_the_run(app: Harness) -> None:
    started = run(app, "payments-pd")
    app.clock.advance(seconds=20)
    app.drain()
    respond(app, ack_after=150, update_after=30, resolve_after=60)

    scored = get_run(app, started["id"])
    assert scored["incident"] == "INC-1"
    assert scored["detect"] == {"seconds": 20.0, "target_seconds": 60.0, "passed": True}
    assert scored["acknowledge"] == {"seconds": 150.0, "target_seconds": 120.0, "passed": False}
    assert scored["first_update"] == {"seconds": 180.0, "target_seconds": 600.0, "passed": True}
    assert (scored["severity"], scored["passed"]) == ("SEV2", False)


def test_a_pagerduty_drill_carries_the_mark_through_custom_details(app: Harness) -> None:
    started = run(app, "payments-pd")
    app.drain()
    [alert] = app.ok("GET", "/api/v1/alerts")["items"]
    assert alert["labels"]["warroom_drill"] == started["token"]
    assert app.ok("GET", f"{INCIDENTS}/INC-1")["drill"] is True


def test_a_sentry_drill_opens_a_drill_incident_from_its_error_issue(app: Harness) -> None:
    started = run(app, "payments-sentry")
    app.clock.advance(seconds=10)
    app.drain()
    incident = app.ok("GET", f"{INCIDENTS}/INC-1")
    assert incident["drill"] is True
    assert incident["title"].startswith("DRILL: SHOP-1 ZeroDivisionError in checkout")
    assert get_run(app, started["id"])["incident"] == "INC-1"


def test_a_missed_heartbeat_drill_leaves_the_real_heartbeat_alone(app: Harness) -> None:
    started = run(app, "backup-missed")
    app.drain()
    incident = app.ok("GET", f"{INCIDENTS}/INC-1")
    assert (incident["drill"], incident["severity"]) == (True, "SEV1")
    assert incident["detection_source"] == "heartbeat"
    assert get_run(app, started["id"])["incident"] == "INC-1"
    with make_session_factory(app.engine)() as session:
        beat = session.get(Heartbeat, "backup")
    assert beat is None or beat.state is not HeartbeatState.DOWN
    [alert] = app.ok("GET", "/api/v1/alerts")["items"]
    assert alert["labels"]["warroom_drill"] == started["token"]


def test_a_run_whose_incident_never_resolves_is_scored_at_the_timeout(app: Harness) -> None:
    started = run(app, "payments-am")
    app.clock.advance(seconds=40)
    app.drain()
    app.clock.advance(minutes=31)
    app.drain()

    scored = get_run(app, started["id"])
    assert (scored["status"], scored["ended"], scored["passed"]) == ("scored", "timeout", False)
    assert scored["detect"]["passed"] is True
    assert scored["acknowledge"] == {"seconds": None, "target_seconds": 300.0, "passed": False}
    assert scored["first_update"]["seconds"] is None


def test_a_real_incident_is_not_a_drill_and_pages_without_the_mark(
    app: Harness, smtp: SmtpSink
) -> None:
    app.declare(title="Card payments failing", severity="SEV1", team="payments")
    app.drain()
    assert app.ok("GET", f"{INCIDENTS}/INC-1")["drill"] is False
    [page] = [m for m in smtp.to("alice@example.com") if "paged" in m.part("plain")]
    assert "DRILL" not in page.subject and "DRILL" not in page.part("plain")


def test_an_unknown_scenario_is_404_naming_the_field(app: Harness) -> None:
    response = app.post(f"{DRILLS}/nope/run")
    assert response.status_code == 404
    assert response.json()["error"]["field"] == "name"


def test_running_a_drill_needs_the_role_that_declares_incidents(app: Harness) -> None:
    viewer = app.user("victor", UserRole.VIEWER)
    assert app.post(f"{DRILLS}/payments-am/run", token=viewer).status_code == 403
    responder = app.user("rita", UserRole.RESPONDER)
    assert app.post(f"{DRILLS}/payments-am/run", token=responder).status_code == 202


def test_the_scorecard_counts_a_team_s_scored_runs_by_week(app: Harness) -> None:
    first = run(app, "payments-am")
    app.clock.advance(seconds=30)
    app.drain()
    respond(app, ack_after=60, update_after=60, resolve_after=60)
    assert get_run(app, first["id"])["passed"] is True
    run(app, "payments-pd")  # still running: not on the scorecard yet

    card = app.ok("GET", f"{DRILLS}/scorecard", params={"team": "payments"})
    [team] = card["teams"]
    assert (team["team"], team["runs"], team["passed"]) == ("payments", 1, 1)
    [week] = team["weeks"]
    assert week["week_of"] == "2026-03-02"
    assert week["detect"] == {"median_seconds": 30.0, "met": 1}
    assert week["acknowledge"] == {"median_seconds": 60.0, "met": 1}
    assert week["first_update"] == {"median_seconds": 120.0, "met": 1}


def test_the_scorecard_of_an_unknown_team_is_422_naming_it(app: Harness) -> None:
    response = app.get(f"{DRILLS}/scorecard", params={"team": "nobody"})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "team"


def test_scenarios_list_their_targets(app: Harness) -> None:
    scenarios = {s["name"]: s for s in app.ok("GET", DRILLS)}
    assert set(scenarios) == {"payments-am", "payments-pd", "payments-sentry", "backup-missed"}
    assert scenarios["payments-pd"]["targets"] == {
        "detect_seconds": 60.0,
        "acknowledge_seconds": 120.0,
        "first_update_seconds": 600.0,
    }


def test_starting_a_drill_is_in_the_audit_log_under_the_person_who_ran_it(app: Harness) -> None:
    rita = app.user("rita", UserRole.RESPONDER)
    started = run(app, "payments-am", token=rita)
    entries = app.ok(
        "GET", "/api/v1/audit", params={"object_type": "drill_run", "object_id": str(started["id"])}
    )["items"]
    assert [(e["action"], e["actor"]) for e in entries] == [("create", "rita")]
