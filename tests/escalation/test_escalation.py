"""Escalation runs policies: pages by step, waits, repeats, the final fallback, and stops on
acknowledgement or resolution. Asserted on Page rows, outbox deliveries and the timeline."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from tests.escalation.helpers import (
    deliveries,
    entries,
    escalation_app,
    jobs,
    page_deliveries,
    paged,
    pages,
    runs,
    texts,
)
from warroom.config.escalation import EscalationPolicy
from warroom.escalation.models import EscalationState, PageStatus
from warroom.escalation.service import ESCALATION_STEP_JOB
from warroom.jobs.models import JobStatus
from warroom.notify.models import DeliveryStatus

PAID = {"severity": "SEV1", "team": "payments"}


def test_declaring_a_paging_incident_starts_the_team_policy(engine: Engine, tmp_path: Path) -> None:
    with escalation_app(engine, tmp_path) as api:
        api.declare(**PAID)
        api.drain()
        [run] = runs(api)
        assert run.state is EscalationState.ACTIVE
        assert run.policy == "payments"
        config = api.live_config.current
        policy = config.escalation_policy("payments")
        assert policy is not None
        assert EscalationPolicy.model_validate(run.snapshot) == policy
        assert len(run.token) == 32
        assert (run.step, run.round) == (2, 0)  # alice paged, waiting before bob
        assert run.next_at == api.clock() + policy.steps[1].wait  # type: ignore[operator]
        assert paged(api) == [("alice", 1, 1)]
        assert pages(api)[0].status is PageStatus.PAGING
        assert texts(api, 1, "paged") == ["paged alice (named in the policy), step 1, round 1"]
        # Alice's rules: Slack at once; email after 2 minutes.
        assert page_deliveries(api) == [("alice", "slack", "U0ALICE01")]


def test_the_snapshot_keeps_the_policy_a_run_started_with(engine: Engine, tmp_path: Path) -> None:
    with escalation_app(engine, tmp_path) as api:
        api.declare(**PAID)
        api.drain()
        path = tmp_path / "warroom.yaml"
        path.write_text(path.read_text().replace("notify_users: [bob]", "notify_users: [erin]"))
        api.live_config.reload()
        api.clock.advance(minutes=5)
        api.drain()
        assert paged(api) == [("alice", 1, 1), ("bob", 3, 1)]


def test_a_severity_that_does_not_page_is_ticket_only(engine: Engine, tmp_path: Path) -> None:
    with escalation_app(engine, tmp_path) as api:
        api.declare(severity="SEV4", team="payments")
        api.drain()
        assert runs(api) == []
        assert pages(api) == []
        assert texts(api, 1, "escalation_stopped") == [
            "SEV4 does not page (page: false): ticket only, no page"
        ]


def test_a_team_without_a_policy_is_reported_unroutable(engine: Engine, tmp_path: Path) -> None:
    with escalation_app(engine, tmp_path) as api:
        api.declare(severity="SEV1", team="orphans")
        api.drain()
        assert runs(api) == []
        assert texts(api, 1, "escalation_stopped") == [
            "nobody could be paged: team orphans has no escalation policy; unroutable"
        ]


def test_steps_wait_repeat_then_the_final_fallback_then_exhausted(
    engine: Engine, tmp_path: Path
) -> None:
    with escalation_app(engine, tmp_path) as api:
        api.declare(**PAID)
        api.drain()
        seen = [paged(api)]
        for _ in range(4):
            api.clock.advance(minutes=4, seconds=59)
            api.drain()
            assert paged(api) == seen[-1], "nothing happens before the wait is over"
            api.clock.advance(seconds=1)
            api.drain()
            seen.append(paged(api))
        assert seen[-1] == [
            ("alice", 1, 1),
            ("bob", 3, 1),
            ("alice", 1, 2),
            ("bob", 3, 2),
            ("carol", 5, 2),
        ]
        [run] = runs(api)
        assert run.state is EscalationState.EXHAUSTED
        assert run.next_at is None
        assert texts(api, 1, "paged", "escalated", "escalation_stopped") == [
            "paged alice (named in the policy), step 1, round 1",
            "no acknowledgement within 5m; escalating to step 3, round 1",
            "paged bob (named in the policy), step 3, round 1",
            "no acknowledgement within 5m; escalating to step 5, round 1",
            "nobody acknowledged; running the policy again (round 2 of 2)",
            "paged alice (named in the policy), step 1, round 2",
            "no acknowledgement within 5m; escalating to step 3, round 2",
            "paged bob (named in the policy), step 3, round 2",
            "no acknowledgement within 5m; escalating to step 5, round 2",
            "paged carol (final fallback), final fallback",
            "escalation exhausted: nobody acknowledged after 2 rounds and the final fallback",
        ]
        api.clock.advance(hours=2)
        api.drain()
        assert len(pages(api)) == 5


def test_acknowledging_stops_escalation_and_cancels_what_was_not_sent(
    engine: Engine, tmp_path: Path
) -> None:
    with escalation_app(engine, tmp_path) as api:
        api.declare(**PAID)
        api.drain()
        api.clock.advance(minutes=5)
        api.drain()  # bob paged; his email waits for a retry (nothing listens on port 9)
        [bob_email] = [d for d in deliveries(api) if d.username == "bob"]
        assert bob_email.status is DeliveryStatus.PENDING
        assert bob_email.attempts >= 1
        api.clock.advance(seconds=1)
        api.ok("POST", "/api/v1/incidents/INC-1/actions/acknowledge")
        api.drain()
        [run] = runs(api)
        assert run.state is EscalationState.ACKNOWLEDGED
        assert [p.status for p in pages(api)] == [PageStatus.ACKNOWLEDGED] * 2
        assert texts(api, 1, "escalation_stopped") == ["escalation stopped: acknowledged by admin"]
        # Alice's and bob's emails were waiting for a retry: both cancelled.
        stopped = entries(api, 1, "escalation_stopped")[0].after
        assert stopped is not None and stopped["cancelled_deliveries"] == 2
        emails = {
            d.username: d.status
            for d in deliveries(api)
            if d.page_id is not None and d.channel.value == "email"
        }
        assert emails == {"alice": DeliveryStatus.CANCELLED, "bob": DeliveryStatus.CANCELLED}
        api.clock.advance(minutes=20)
        api.drain()
        assert paged(api) == [("alice", 1, 1), ("bob", 3, 1)]
        # Nothing was added to the outbox after the acknowledgement.
        assert page_deliveries(api) == [
            ("alice", "slack", "U0ALICE01"),
            ("alice", "email", "alice@example.com"),
            ("bob", "email", "bob@example.com"),
        ]


def test_an_acknowledgement_before_the_delayed_rule_keeps_it_from_the_outbox(
    engine: Engine, tmp_path: Path
) -> None:
    with escalation_app(engine, tmp_path) as api:
        api.declare(**PAID)
        api.drain()
        api.clock.advance(minutes=1)
        api.ok("POST", "/api/v1/incidents/INC-1/actions/acknowledge")
        api.drain()
        api.clock.advance(minutes=5)
        api.drain()
        assert page_deliveries(api) == [("alice", "slack", "U0ALICE01")]


def test_personal_rules_send_the_delayed_contact_only_while_unacknowledged(
    engine: Engine, tmp_path: Path
) -> None:
    with escalation_app(engine, tmp_path) as api:
        api.declare(**PAID)
        api.drain()
        api.clock.advance(minutes=1, seconds=59)
        api.drain()
        assert page_deliveries(api) == [("alice", "slack", "U0ALICE01")]
        api.clock.advance(seconds=1)
        api.drain()
        assert page_deliveries(api) == [
            ("alice", "slack", "U0ALICE01"),
            ("alice", "email", "alice@example.com"),
        ]


def test_resolving_stops_escalation(engine: Engine, tmp_path: Path) -> None:
    with escalation_app(engine, tmp_path) as api:
        api.declare(**PAID)
        api.drain()
        api.ok("POST", "/api/v1/incidents/INC-1/actions/resolve")
        api.drain()
        [run] = runs(api)
        assert run.state is EscalationState.STOPPED
        assert [p.status for p in pages(api)] == [PageStatus.CANCELLED]
        assert texts(api, 1, "escalation_stopped") == ["escalation stopped: INC-1 resolved"]
        api.clock.advance(hours=1)
        api.drain()
        assert paged(api) == [("alice", 1, 1)]


def test_a_stale_step_job_is_dropped(engine: Engine, tmp_path: Path) -> None:
    with escalation_app(engine, tmp_path) as api:
        api.declare(**PAID)
        api.drain()
        api.ok("POST", "/api/v1/incidents/INC-1/actions/acknowledge")
        api.drain()
        waiting = [j for j in jobs(api, ESCALATION_STEP_JOB) if j.status is JobStatus.PENDING]
        assert len(waiting) == 1  # the step that would page bob, with the old token
        assert waiting[0].payload["token"] != runs(api)[0].token
        api.clock.advance(minutes=5)
        api.drain()
        # The first step ran with the declaration event; the one after the wait is the job.
        assert [j.status for j in jobs(api, ESCALATION_STEP_JOB)] == [JobStatus.DONE]
        assert paged(api) == [("alice", 1, 1)]


def test_a_step_due_before_the_acknowledgement_event_is_handled_pages_nobody(
    engine: Engine, tmp_path: Path
) -> None:
    with escalation_app(engine, tmp_path) as api:
        api.declare(**PAID)
        api.drain()
        api.clock.advance(minutes=6)  # bob's step is overdue when the ack comes in
        api.ok("POST", "/api/v1/incidents/INC-1/actions/acknowledge")
        api.drain()
        assert paged(api) == [("alice", 1, 1)]
        assert runs(api)[0].state is EscalationState.ACKNOWLEDGED


def test_on_call_and_team_channel_steps(engine: Engine, tmp_path: Path) -> None:
    with escalation_app(engine, tmp_path) as api:
        # Monday 2026-03-02 09:00 UTC: week 9 of the rotation started 2026-01-05 -> erin.
        api.declare(severity="SEV1", team="checkout")
        api.drain()
        assert paged(api) == [("erin", 1, 1)]
        assert texts(api, 1, "paged", "notified") == [
            "paged erin (on call in checkout-primary), step 1, round 1",
            "checkout has no channel to post to, step 2, round 1",
        ]
        api.clock.advance(minutes=10)
        api.drain()
        assert paged(api) == [("erin", 1, 1), ("dave", 4, 1), ("carol", 4, 1)]
        dave = pages(api)[1]
        assert dave.status is PageStatus.UNROUTABLE
        assert texts(api, 1, "paged")[1:] == [
            "could not page dave (named in the policy), step 4, round 1: no contact warroom "
            "can use (check people[].contacts and notifications); unroutable",
            "paged carol (named in the policy), step 4, round 1",
        ]
        assert ("carol", "webhook", "http://127.0.0.1:9/carol") in page_deliveries(api)
        assert runs(api)[0].state is EscalationState.EXHAUSTED


def test_raising_the_severity_to_one_that_pages_starts_escalation(
    engine: Engine, tmp_path: Path
) -> None:
    with escalation_app(engine, tmp_path) as api:
        api.declare(severity="SEV4", team="payments")
        api.drain()
        api.ok("POST", "/api/v1/incidents/INC-1/severity", json={"severity": "SEV1"})
        api.drain()
        assert paged(api) == [("alice", 1, 1)]
        assert runs(api)[0].reason == "severity changed to SEV1"
        api.ok("POST", "/api/v1/incidents/INC-1/severity", json={"severity": "SEV4"})
        api.drain()
        assert runs(api)[0].state is EscalationState.STOPPED
        assert texts(api, 1, "escalation_stopped")[-1] == "escalation stopped: SEV4 does not page"


def test_every_step_is_on_the_timeline_api(engine: Engine, tmp_path: Path) -> None:
    with escalation_app(engine, tmp_path) as api:
        api.declare(**PAID)
        api.drain()
        api.clock.advance(minutes=5)
        api.drain()
        api.ok("POST", "/api/v1/incidents/INC-1/actions/acknowledge")
        api.drain()
        timeline = api.ok("GET", "/api/v1/incidents/INC-1/timeline")["entries"]
        kinds = [e["kind"] for e in timeline]
        assert kinds == [
            "declared",
            "paged",
            "escalated",
            "paged",
            "status_changed",
            "escalation_stopped",
        ]
        assert len(entries(api)) == len(kinds)


def test_the_escalation_api_shows_runs_pages_and_deliveries(engine: Engine, tmp_path: Path) -> None:
    with escalation_app(engine, tmp_path) as api:
        api.declare(**PAID)
        api.drain()
        api.clock.advance(minutes=2)
        api.drain()
        body = api.ok("GET", "/api/v1/incidents/INC-1/escalation")
        assert body["incident"] == "INC-1"
        [run] = body["runs"]
        assert run["state"] == "active"
        assert run["policy"] == "payments"
        assert (run["step"], run["round"]) == (3, 1)  # next: step 3 (bob), round 1
        assert run["next_at"] == "2026-03-02T09:05:00Z"
        assert run["snapshot"]["final"] == ["carol"]
        assert run["reason"] == "declared"
        [page] = body["pages"]
        assert {k: page[k] for k in ("username", "step", "round", "reason", "status")} == {
            "username": "alice",
            "step": 1,
            "round": 1,
            "reason": "named in the policy",
            "status": "paging",
        }
        assert [(d["channel"], d["target"]) for d in page["deliveries"]] == [
            ("slack", "U0ALICE01"),
            ("email", "alice@example.com"),
        ]
        assert api.get("/api/v1/incidents/INC-9/escalation").status_code == 404
