"""Who owns an error issue, and what issue rules make of it (incidents, attachments,
tickets, team notifications), end to end through intake and the worker on both databases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import Engine, select

from tests.errors.support import error_app, post_envelope, session_of
from tests.pipeline.test_errors import error_event, issues, only_issue, send, spike
from warroom.notify.models import Delivery

CODE_OWNERS = [
    "path:app/billing/* #payments",
    "module:app.checkout.* #checkout",
    "path:app/checkout/legacy.py #platform",
]


def configure(
    *rules: dict[str, Any], owners: list[str] | None = None
) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        doc["projects"][0]["code_owners"] = owners if owners is not None else CODE_OWNERS
        doc["issue_rules"] = list(rules)

    return change


NEW_ISSUE_INCIDENT = {
    "name": "new-errors",
    "conditions": [{"kind": "new_issue"}, {"kind": "regression"}],
    "environments": ["production"],
    "action": "incident",
    "severity": "SEV2",
}


def test_a_team_tag_wins(engine: Engine, tmp_path: Path) -> None:
    with error_app(engine, tmp_path, configure()) as api:
        send(api, module="app.billing.charge", tags={"team": "platform"})
        api.drain()
        issue = only_issue(api)
        assert issue["team"] == "platform"
        assert issue["routed_by"] == {"step": "tag", "reason": "tag team=platform"}


def test_code_owner_rules_match_the_top_in_app_frame_and_the_last_match_wins(
    engine: Engine, tmp_path: Path
) -> None:
    with error_app(engine, tmp_path, configure()) as api:
        send(api, module="app.checkout.legacy", function="pay")
        send(api, module="app.billing.charge", function="charge")
        api.drain()
        owners = {i["short_id"]: (i["team"], i["routed_by"]["step"]) for i in issues(api)}
        assert sorted(owners.values()) == [("payments", "code_owners"), ("platform", "code_owners")]


def test_an_unknown_team_tag_falls_through_and_says_so(engine: Engine, tmp_path: Path) -> None:
    with error_app(engine, tmp_path, configure(owners=[])) as api:
        send(api, tags={"team": "nosuchteam"})
        api.drain()
        issue = only_issue(api)
        assert issue["team"] == "payments"
        assert issue["routed_by"]["step"] == "project"
        assert "tag team=nosuchteam is not a configured team" in issue["routed_by"]["reason"]


def test_a_new_issue_opens_an_incident_for_its_owner_and_both_show_the_link(
    engine: Engine, tmp_path: Path
) -> None:
    with error_app(engine, tmp_path, configure(NEW_ISSUE_INCIDENT)) as api:
        api.clock.advance(seconds=1)
        send(api, module="app.checkout.cart")
        api.drain()
        issue = only_issue(api)
        assert issue["incident"] == "INC-1"
        incident = api.ok("GET", "/api/v1/incidents/INC-1")
        assert (incident["team"], incident["severity"]) == ("checkout", "SEV2")
        assert incident["title"].startswith("API-1 ValueError: bad input")
        linked = api.ok("GET", "/api/v1/incidents/INC-1/issues")
        assert [i["short_id"] for i in linked] == ["API-1"]
        timeline = api.ok("GET", "/api/v1/incidents/INC-1/timeline")
        kinds = [entry["kind"] for entry in timeline["entries"]]
        assert kinds[:2] == ["declared", "issue_linked"]
        # time to detect starts at the issue's first event
        assert datetime.fromisoformat(incident["impact_started_at"]) == datetime.fromisoformat(
            issue["first_seen"]
        )


def test_a_rule_acts_once_per_interval_per_issue(engine: Engine, tmp_path: Path) -> None:
    busy = {
        "name": "busy",
        "conditions": [{"kind": "events", "more_than": 2, "within": "1h"}],
        "action": "notify",
        "interval": "30m",
    }
    with error_app(engine, tmp_path, configure(busy)) as api:
        for _ in range(3):
            send(api)
        api.drain()
        for _ in range(3):
            send(api)
        api.drain()
        with session_of(engine) as session:
            first = list(session.scalars(select(Delivery.target)))
        assert first == ["payments@example.com"]
        api.clock.advance(minutes=31)
        send(api)
        api.drain()
        with session_of(engine) as session:
            targets = list(session.scalars(select(Delivery.target)))
        assert targets == ["payments@example.com", "payments@example.com"]


def test_filters_keep_a_rule_from_firing(engine: Engine, tmp_path: Path) -> None:
    with error_app(engine, tmp_path, configure(NEW_ISSUE_INCIDENT)) as api:
        send(api, environment="staging")
        api.drain()
        assert only_issue(api)["incident"] is None


def test_a_regression_reopens_and_opens_a_new_incident(engine: Engine, tmp_path: Path) -> None:
    with error_app(engine, tmp_path, configure(NEW_ISSUE_INCIDENT)) as api:
        send(api)
        api.drain()
        api.ok("POST", "/api/v1/incidents/INC-1/actions/resolve", json={})
        api.ok("POST", "/api/v1/errors/issues/API-1/resolve", json={"mode": "now"})
        api.clock.advance(minutes=40)
        send(api)
        api.drain()
        issue = only_issue(api)
        assert (issue["substatus"], issue["incident"]) == ("regressed", "INC-2")


def test_a_ticket_is_the_lowest_severity(engine: Engine, tmp_path: Path) -> None:
    ticket = {"name": "ticket", "conditions": [{"kind": "new_issue"}], "action": "ticket"}
    with error_app(engine, tmp_path, configure(ticket)) as api:
        send(api)
        api.drain()
        assert api.ok("GET", "/api/v1/incidents/INC-1")["severity"] == "SEV4"


@pytest.mark.parametrize("level", ["warning", "fatal"])
def test_the_level_filter_is_a_minimum(engine: Engine, tmp_path: Path, level: str) -> None:
    rule = {**NEW_ISSUE_INCIDENT, "level": "error"}
    with error_app(engine, tmp_path, configure(rule)) as api:
        _id, body = error_event()
        body = body.replace(b'"level":"error"', orjson.dumps({"level": level})[1:-1])
        assert post_envelope(api, body).status_code == 200
        api.drain()
        assert (only_issue(api)["incident"] is not None) is (level == "fatal")


def test_a_responder_opens_an_incident_from_an_issue(engine: Engine, tmp_path: Path) -> None:
    with error_app(engine, tmp_path, configure()) as api:
        send(api, module="app.billing.charge")
        api.drain()
        issue = api.ok("POST", "/api/v1/errors/issues/API-1/incident", json={"severity": "SEV3"})
        assert issue["incident"] == "INC-1"
        incident = api.ok("GET", "/api/v1/incidents/INC-1")
        assert (incident["team"], incident["severity"]) == ("payments", "SEV3")


def test_more_than_n_users_within_a_window(engine: Engine, tmp_path: Path) -> None:
    rule = {
        "name": "many-users",
        "conditions": [{"kind": "users", "more_than": 2, "within": "1h"}],
        "action": "incident",
    }
    with error_app(engine, tmp_path, configure(rule)) as api:
        for user in ("a", "b", "a", "b"):
            send(api, user=user)
        api.drain()
        assert only_issue(api)["incident"] is None
        send(api, user="c")
        api.drain()
        assert only_issue(api)["incident"] == "INC-1"


def test_users_long_ago_do_not_count_in_the_window(engine: Engine, tmp_path: Path) -> None:
    rule = {
        "name": "many-users",
        "conditions": [{"kind": "users", "more_than": 2, "within": "1h"}],
        "action": "incident",
    }
    with error_app(engine, tmp_path, configure(rule)) as api:
        for user in ("a", "b"):
            send(api, user=user)
        api.drain()
        api.clock.advance(hours=2)
        send(api, user="c")
        api.drain()
        issue = only_issue(api)
        assert (issue["users"], issue["incident"]) == (3, None)


def test_an_escalating_issue_opens_an_incident(engine: Engine, tmp_path: Path) -> None:
    rule = {"name": "spikes", "conditions": [{"kind": "escalating"}], "action": "incident"}
    with error_app(engine, tmp_path, configure(rule)) as api:
        spike(api, burst=3)
        assert only_issue(api)["incident"] is None
        spike(api, hours=0, burst=30)
        assert only_issue(api)["incident"] == "INC-1"


def test_a_new_issue_after_a_deploy_names_it_as_the_suspect(engine: Engine, tmp_path: Path) -> None:
    with error_app(engine, tmp_path, configure(NEW_ISSUE_INCIDENT)) as api:
        api.ok("POST", "/api/v1/releases", json={"version": "api@1.1.0", "projects": ["api"]})
        deploy = api.ok(
            "POST", "/api/v1/releases/api@1.1.0/deploys", json={"environment": "production"}
        )
        api.clock.advance(minutes=10)
        send(api, release="api@1.1.0")
        api.drain()
        issue = only_issue(api)
        assert issue["suspect_deploy"]["id"] == deploy["id"]
        assert issue["suspect_deploy"]["release"] == "api@1.1.0"
        timeline = api.ok("GET", f"/api/v1/incidents/{issue['incident']}/timeline")
        suspects = [e for e in timeline["entries"] if e["kind"] == "suspect_deploy"]
        assert len(suspects) == 1
        assert "release api@1.1.0 to production" in suspects[0]["text"]


def test_a_deploy_long_before_is_no_suspect(engine: Engine, tmp_path: Path) -> None:
    with error_app(engine, tmp_path, configure(NEW_ISSUE_INCIDENT)) as api:
        api.ok("POST", "/api/v1/releases", json={"version": "api@1.1.0", "projects": ["api"]})
        api.ok("POST", "/api/v1/releases/api@1.1.0/deploys", json={"environment": "production"})
        api.clock.advance(hours=3)
        send(api, release="api@1.1.0")
        api.drain()
        assert only_issue(api)["suspect_deploy"] is None
