"""The /warroom slash command end to end: signed requests through the app, on SQLite and
PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from tests.notify.slack.helpers import BOB, CAROL, STRANGER, SlackApp, slack_app
from warroom.auth.models import User
from warroom.incidents.enums import IncidentStatus
from warroom.incidents.models import StatusUpdate


@pytest.fixture
def app(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SlackApp]:
    with slack_app(engine, tmp_path, monkeypatch) as running:
        yield running


def answer(app: SlackApp, text: str, **kwargs: str) -> dict[str, str]:
    response = app.command(text, **kwargs)
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


def test_declare_with_severity_and_team(app: SlackApp) -> None:
    body = answer(app, "declare Checkout returns 503 --sev sev2 --team payments")

    assert body["response_type"] == "in_channel"
    assert "declared INC-1 (SEV2, team payments): Checkout returns 503" in body["text"]
    incident = app.incident(1)
    assert (incident.title, incident.severity, incident.team) == (
        "Checkout returns 503",
        "SEV2",
        "payments",
    )
    (declared,) = app.timeline(1, "declared")
    assert declared.actor is not None and declared.actor.username == "alice"


def test_declare_in_a_team_channel_takes_that_team_and_the_default_severity(
    app: SlackApp,
) -> None:
    body = answer(app, "declare Refunds are slow", channel="C0PAYMENT")

    assert body["response_type"] == "in_channel"
    incident = app.incident(1)
    assert (incident.team, incident.severity) == ("payments", "SEV3")


def test_declare_makes_the_slack_user_a_responder(app: SlackApp) -> None:
    answer(app, "declare Ledger drift --team checkout", user=BOB)

    (bob,) = app.rows(select(User).where(User.username == "bob"))
    assert bob.role.value == "responder" and bob.display_name == "Bob Smith"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("declare --team payments", "give a title"),
        ("declare Outage --team nowhere", "unknown team"),
        ("declare Outage --team payments --sev SEV9", "unknown severity"),
        ("declare Outage", "--team"),
        ("declare Outage --sev", "--sev needs a value"),
    ],
)
def test_declare_refusals_are_ephemeral_and_write_nothing(
    app: SlackApp, text: str, says: str
) -> None:
    body = answer(app, text)

    assert body["response_type"] == "ephemeral"
    assert says in body["text"]
    assert app.rows(select(User).where(User.username == "alice")) == []
    assert app.api.ok("GET", "/api/v1/incidents")["items"] == []


def test_ack_names_the_incident(app: SlackApp) -> None:
    app.api.declare(severity="SEV2")

    body = answer(app, "ack INC-1")

    assert body == {"response_type": "in_channel", "text": "alice acknowledged INC-1"}
    assert app.incident(1).status is IncidentStatus.ACKNOWLEDGED
    (changed,) = app.timeline(1, "status_changed")
    assert changed.actor is not None and changed.actor.username == "alice"


def test_ack_of_an_acknowledged_incident_still_paging_stops_the_page(app: SlackApp) -> None:
    app.api.declare(severity="SEV1")
    app.run()  # the escalation pages alice
    app.api.ok("POST", "/api/v1/incidents/INC-1/actions/acknowledge", json={})
    app.run()
    app.api.clock.advance(minutes=1)
    app.api.ok("POST", "/api/v1/incidents/INC-1/reassign", json={"user": "bob"})  # pages again
    app.run()

    body = answer(app, "ack INC-1", user=BOB)

    assert body["response_type"] == "in_channel", body
    (acked,) = app.timeline(1, "page_acknowledged")
    assert acked.after == {"user": "bob"}


def test_ack_of_an_incident_nobody_is_paged_for_is_refused(app: SlackApp) -> None:
    app.api.declare(severity="SEV4")
    app.api.ok("POST", "/api/v1/incidents/INC-1/actions/acknowledge", json={})

    body = answer(app, "ack INC-1")

    assert body["response_type"] == "ephemeral"
    assert "not paging anyone" in body["text"]
    assert app.timeline(1, "page_acknowledged") == []


def test_sev_changes_the_severity(app: SlackApp) -> None:
    app.api.declare(severity="SEV3")

    body = answer(app, "sev INC-1 sev1")

    assert body["text"] == "alice changed INC-1 from SEV3 to SEV1"
    assert app.incident(1).severity == "SEV1"


def test_sev_to_the_same_severity_is_refused(app: SlackApp) -> None:
    app.api.declare(severity="SEV3")
    body = answer(app, "sev INC-1 SEV3")
    assert body["response_type"] == "ephemeral" and "already SEV3" in body["text"]


@pytest.mark.parametrize("who", [f"<@{CAROL}|carol>", "@carol", "carol"])
def test_role_by_mention_or_username(app: SlackApp, who: str) -> None:
    app.api.declare()

    body = answer(app, f"role INC-1 comms {who}")

    assert body["text"] == "carol is now the comms of INC-1 (set by alice)"
    (assigned,) = app.timeline(1, "role_assigned")
    assert assigned.after == {"role": "comms", "user": "carol"}


def test_role_for_an_unknown_role_or_person_is_refused(app: SlackApp) -> None:
    app.api.declare()
    unknown_role = answer(app, "role INC-1 captain carol")
    unknown_person = answer(app, "role INC-1 lead <@U0NOBODY1>")
    assert "unknown role 'captain'" in unknown_role["text"]
    assert "not linked" in unknown_person["text"]
    assert app.timeline(1, "role_assigned") == []


def test_update_posts_a_status_update(app: SlackApp) -> None:
    app.api.declare()

    body = answer(app, "update INC-1 Rolled back the deploy; error rate falling")

    assert body["text"] == "Update on INC-1 by alice: Rolled back the deploy; error rate falling"
    (update,) = app.rows(select(StatusUpdate))
    assert update.text == "Rolled back the deploy; error rate falling"
    assert update.audience.value == "internal"


def test_update_without_text_is_refused(app: SlackApp) -> None:
    app.api.declare()
    body = answer(app, "update INC-1")
    assert body["response_type"] == "ephemeral" and "text" in body["text"]
    assert app.rows(select(StatusUpdate)) == []


def test_resolve(app: SlackApp) -> None:
    app.api.declare()

    body = answer(app, "resolve INC-1")

    assert body["text"] == "alice resolved INC-1"
    assert app.incident(1).status is IncidentStatus.RESOLVED


def test_resolve_twice_is_refused(app: SlackApp) -> None:
    app.api.declare()
    answer(app, "resolve INC-1")
    body = answer(app, "resolve INC-1")
    assert body["response_type"] == "ephemeral"
    assert len(app.timeline(1, "status_changed")) == 1


def test_commands_without_an_incident_outside_its_channel_are_refused(app: SlackApp) -> None:
    app.api.declare()
    body = answer(app, "resolve")
    assert body["response_type"] == "ephemeral" and "INC-12" in body["text"]
    assert app.incident(1).status is IncidentStatus.TRIGGERED


def test_an_unknown_incident_is_refused(app: SlackApp) -> None:
    body = answer(app, "ack INC-99")
    assert body["response_type"] == "ephemeral" and "INC-99 does not exist" in body["text"]


def test_help_and_unknown_commands(app: SlackApp) -> None:
    help_body = answer(app, "help", user=STRANGER)
    empty_body = answer(app, "", user=STRANGER)
    unknown = answer(app, "dance")
    assert help_body["response_type"] == "ephemeral" and "/warroom declare" in help_body["text"]
    assert empty_body == help_body
    assert unknown["response_type"] == "ephemeral" and "Unknown command `dance`" in unknown["text"]


def test_an_unlinked_slack_user_is_told_so_and_changes_nothing(app: SlackApp) -> None:
    app.api.declare()

    body = answer(app, "resolve INC-1", user=STRANGER)

    assert body["response_type"] == "ephemeral"
    assert "not linked" in body["text"] and STRANGER in body["text"]
    assert app.incident(1).status is IncidentStatus.TRIGGERED


def test_a_viewer_cannot_change_incidents_from_slack(app: SlackApp) -> None:
    app.api.ok("POST", "/api/v1/users", json={"username": "alice", "role": "viewer"})
    app.api.declare()

    body = answer(app, "resolve INC-1")

    assert body["response_type"] == "ephemeral" and "viewer" in body["text"]
    assert app.incident(1).status is IncidentStatus.TRIGGERED


def test_a_bad_signature_is_401_and_changes_nothing(app: SlackApp) -> None:
    app.api.declare()
    body = "user_id=U0ALICE01&command=%2Fwarroom&text=resolve+INC-1&channel_id=C1"
    headers = app.sign(body)
    headers["X-Slack-Signature"] = "v0=" + "0" * 64

    response = app.api.client.post("/slack/commands", content=body, headers=headers)

    assert response.status_code == 401
    assert response.json()["error"]["field"] == "x-slack-signature"
    assert app.incident(1).status is IncidentStatus.TRIGGERED


def test_a_missing_signature_is_401(app: SlackApp) -> None:
    body = "user_id=U0ALICE01&command=%2Fwarroom&text=help"
    response = app.api.client.post(
        "/slack/commands",
        content=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 401


def test_a_replayed_request_older_than_five_minutes_is_401(app: SlackApp) -> None:
    app.api.declare()
    body = "user_id=U0ALICE01&command=%2Fwarroom&text=resolve+INC-1&channel_id=C1"
    headers = app.sign(body)  # signed now ...
    app.api.clock.advance(minutes=5, seconds=1)  # ... replayed later

    response = app.api.client.post("/slack/commands", content=body, headers=headers)

    assert response.status_code == 401
    assert response.json()["error"]["field"] == "x-slack-request-timestamp"
    assert app.incident(1).status is IncidentStatus.TRIGGERED


def test_a_signed_request_without_user_id_is_422_naming_it(app: SlackApp) -> None:
    body = "command=%2Fwarroom&text=help"
    response = app.api.client.post("/slack/commands", content=body, headers=app.sign(body))
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "user_id"


def test_text_slack_escaped_is_stored_as_typed(app: SlackApp) -> None:
    # Slack sends &, < and > escaped in the command text
    answer(app, "declare Cart &amp; checkout &lt;down&gt; --team payments")
    answer(app, "update INC-1 p99 &gt; 2s &amp; rising")

    assert app.incident(1).title == "Cart & checkout <down>"
    (update,) = app.rows(select(StatusUpdate))
    assert update.text == "p99 > 2s & rising"
