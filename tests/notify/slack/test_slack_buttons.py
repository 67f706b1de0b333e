"""Acknowledge and Resolve buttons: signed block_actions clicks through the app."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import Engine

from tests.notify.slack.helpers import BOB, STRANGER, SlackApp, slack_app
from warroom.incidents.enums import IncidentStatus
from warroom.notify.channels.slack.blocks import ACKNOWLEDGE_ACTION, RESOLVE_ACTION
from warroom.notify.models import DeliveryStatus


@pytest.fixture
def app(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SlackApp]:
    with slack_app(engine, tmp_path, monkeypatch) as running:
        yield running


def clicked(app: SlackApp, action_id: str, user: str = BOB) -> dict[str, str]:
    response = app.click(action_id, app.incident(1).id, user=user)
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


def test_the_page_dm_carries_the_buttons_the_click_comes_back_with(app: SlackApp) -> None:
    app.api.declare(severity="SEV3")
    app.run()  # escalation pages alice: a Slack DM through the outbox

    dms = [m for m in app.slack.messages if m["channel"].startswith("D")]
    assert len(dms) == 1
    buttons = dms[0]["blocks"][-1]["elements"]
    assert [(b["action_id"], b["value"]) for b in buttons] == [
        (ACKNOWLEDGE_ACTION, str(app.incident(1).id)),
        (RESOLVE_ACTION, str(app.incident(1).id)),
    ]


def test_acknowledge_button(app: SlackApp) -> None:
    app.api.declare(severity="SEV3")

    body = clicked(app, ACKNOWLEDGE_ACTION)

    assert body["text"] == "bob acknowledged INC-1"
    assert app.incident(1).status is IncidentStatus.ACKNOWLEDGED
    (changed,) = app.timeline(1, "status_changed")
    assert changed.actor is not None and changed.actor.username == "bob"


def test_acknowledge_button_on_an_acknowledged_incident_paging_again(app: SlackApp) -> None:
    app.api.declare(severity="SEV1")
    app.run()
    app.api.ok("POST", "/api/v1/incidents/INC-1/actions/acknowledge", json={})
    app.run()
    app.api.clock.advance(minutes=1)
    app.api.ok("POST", "/api/v1/incidents/INC-1/reassign", json={"user": "bob"})
    app.run()

    body = clicked(app, ACKNOWLEDGE_ACTION)
    app.run()

    assert body["text"] == "bob acknowledged the page for INC-1"
    (acked,) = app.timeline(1, "page_acknowledged")
    assert acked.after == {"user": "bob"}
    escalation = app.api.ok("GET", "/api/v1/incidents/INC-1/escalation")
    assert [run["state"] for run in escalation["runs"]][-1] == "acknowledged"
    assert all(run["state"] not in ("active", "deferred") for run in escalation["runs"])


def test_resolve_button(app: SlackApp) -> None:
    app.api.declare()

    body = clicked(app, RESOLVE_ACTION)

    assert body["text"] == "bob resolved INC-1"
    assert app.incident(1).status is IncidentStatus.RESOLVED


def test_a_second_resolve_click_is_answered_not_applied(app: SlackApp) -> None:
    app.api.declare()
    clicked(app, RESOLVE_ACTION)

    body = clicked(app, RESOLVE_ACTION)

    assert body["response_type"] == "ephemeral" and "INC-1" in body["text"]
    assert len(app.timeline(1, "status_changed")) == 1


def test_an_unlinked_user_clicking_changes_nothing(app: SlackApp) -> None:
    app.api.declare()

    body = clicked(app, RESOLVE_ACTION, user=STRANGER)

    assert "not linked" in body["text"]
    assert app.incident(1).status is IncidentStatus.TRIGGERED


def test_a_click_with_a_bad_signature_is_401(app: SlackApp) -> None:
    app.api.declare()
    payload = {
        "type": "block_actions",
        "user": {"id": BOB},
        "actions": [{"action_id": RESOLVE_ACTION, "value": str(app.incident(1).id)}],
    }
    body = urlencode({"payload": json.dumps(payload)})
    headers = app.sign(body)
    tampered = body.replace(RESOLVE_ACTION, ACKNOWLEDGE_ACTION)

    response = app.api.client.post("/slack/interactions", content=tampered, headers=headers)

    assert response.status_code == 401
    assert app.incident(1).status is IncidentStatus.TRIGGERED


def test_a_stale_click_is_401(app: SlackApp) -> None:
    app.api.declare()
    payload = {
        "type": "block_actions",
        "user": {"id": BOB},
        "actions": [{"action_id": RESOLVE_ACTION, "value": str(app.incident(1).id)}],
    }
    body = urlencode({"payload": json.dumps(payload)})
    headers = app.sign(body, timestamp=int(app.api.clock().timestamp()) - 301)

    response = app.api.client.post("/slack/interactions", content=body, headers=headers)

    assert response.status_code == 401
    assert app.incident(1).status is IncidentStatus.TRIGGERED


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("nothing=here", "payload"),
        ("payload=%7Bnot+json", "payload"),
        (
            urlencode({"payload": json.dumps({"type": "block_actions", "user": {}})}),
            "payload.user.id",
        ),
        (
            urlencode({"payload": json.dumps({"type": "block_actions", "user": {"id": BOB}})}),
            "payload.actions",
        ),
    ],
)
def test_a_malformed_signed_click_is_422_naming_the_field(
    app: SlackApp, body: str, field: str
) -> None:
    response = app.api.client.post("/slack/interactions", content=body, headers=app.sign(body))
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field


def test_a_button_value_that_is_no_incident_is_answered(app: SlackApp) -> None:
    payload = {
        "type": "block_actions",
        "user": {"id": BOB},
        "actions": [{"action_id": RESOLVE_ACTION, "value": "12345"}],
    }
    body = urlencode({"payload": json.dumps(payload)})
    response = app.api.client.post("/slack/interactions", content=body, headers=app.sign(body))
    assert response.status_code == 200
    assert "no longer exists" in response.json()["text"]
    assert app.deliveries(DeliveryStatus.DEAD) == []
