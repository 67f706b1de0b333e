"""Dedicated incident channels: made through the outbox, responders invited, events posted."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.notify.slack.helpers import ALICE, BOB, CAROL, SlackApp, slack_app
from warroom.incidents.enums import IncidentStatus
from warroom.notify.models import DeliveryStatus

NAME = "inc-1-checkout-returns-503"


@pytest.fixture
def app(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SlackApp]:
    with slack_app(engine, tmp_path, monkeypatch) as running:
        yield running


def channel_texts(app: SlackApp, channel_id: str) -> list[str]:
    return [str(m["text"]) for m in app.slack.messages_in(channel_id)]


def test_a_sev1_gets_a_channel_with_the_paged_people_and_a_first_message(app: SlackApp) -> None:
    app.api.declare(severity="SEV1")
    app.run()

    (channel,) = app.channels()
    assert (channel.provider, channel.name) == ("slack", NAME)
    made = app.slack.channels[channel.channel_id]
    assert made["name"] == NAME
    assert ALICE in made["members"]  # paged by the team's policy
    (welcome,) = channel_texts(app, channel.channel_id)
    assert "This channel is for INC-1 (SEV1, team payments)" in welcome
    assert app.deliveries(DeliveryStatus.DEAD) == []


def test_a_sev3_gets_no_channel_until_it_is_raised(app: SlackApp) -> None:
    app.api.declare(severity="SEV3")
    app.run()
    assert app.channels() == []
    assert app.slack.calls_of("conversations.create") == []

    app.api.ok("POST", "/api/v1/incidents/INC-1/severity", json={"severity": "SEV2"})
    app.run()

    (channel,) = app.channels()
    assert channel.name == NAME


def test_the_declarer_from_slack_is_invited(app: SlackApp) -> None:
    app.command("declare Checkout returns 503 --sev SEV2 --team payments", user=BOB)
    app.run()

    (channel,) = app.channels()
    assert {ALICE, BOB} <= app.slack.channels[channel.channel_id]["members"]


def test_later_events_are_posted_and_new_role_holders_invited(app: SlackApp) -> None:
    app.api.declare(severity="SEV1")
    app.run()
    (channel,) = app.channels()

    app.command("ack INC-1")
    app.command("role INC-1 comms carol")
    app.command("update INC-1 Rolled back the deploy")
    app.command("resolve INC-1")
    app.run()

    texts = channel_texts(app, channel.channel_id)
    assert any("alice: INC-1 is now *acknowledged*" in t for t in texts), texts
    assert any("carol is now the comms" in t for t in texts), texts
    assert any("Status update by alice: Rolled back the deploy" in t for t in texts), texts
    assert any("INC-1 is now *resolved*" in t for t in texts), texts
    assert CAROL in app.slack.channels[channel.channel_id]["members"]


def test_a_command_in_the_incident_channel_needs_no_reference(app: SlackApp) -> None:
    app.api.declare(severity="SEV1")
    app.run()
    (channel,) = app.channels()

    update = app.command("update Database failover done", channel=channel.channel_id)
    resolve = app.command("resolve", channel=channel.channel_id)

    assert update.json()["text"] == "Update on INC-1 by alice: Database failover done"
    assert resolve.json()["text"] == "alice resolved INC-1"
    assert app.incident(1).status is IncidentStatus.RESOLVED


def test_a_taken_name_gets_a_suffix(app: SlackApp) -> None:
    app.slack.add_channel(NAME)
    app.api.declare(severity="SEV1")
    app.run()

    (channel,) = app.channels()
    assert channel.name == f"{NAME}-2"
    assert app.slack.channels[channel.channel_id]["name"] == f"{NAME}-2"


def test_a_rate_limited_create_is_retried_and_makes_one_channel(app: SlackApp) -> None:
    app.slack.rate_limited, app.slack.rate_limited_method = 1, "conversations.create"
    app.api.declare(severity="SEV1")
    app.run()
    assert app.channels() == []

    for _minute in range(10):
        app.api.clock.advance(minutes=1)
        app.run()

    (channel,) = app.channels()
    assert len(app.slack.calls_of("conversations.create")) == 2
    made = [c for c in app.slack.channels.values() if c["name"].startswith("inc-1-")]
    assert [c["id"] for c in made] == [channel.channel_id]
    assert len(channel_texts(app, channel.channel_id)) == 1


def test_no_channel_without_slack_configured(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.notify.slack.helpers import CONFIG

    without = CONFIG.split("notifications:")[0]
    with slack_app(engine, tmp_path, monkeypatch, config=without) as app:
        app.api.declare(severity="SEV1")
        app.run()
        assert app.channels() == []
        response = app.command("help")
        assert response.status_code == 401
        assert "not configured" in response.json()["error"]["message"]


def test_someone_paged_after_the_channel_exists_is_invited_when_paged(app: SlackApp) -> None:
    app.api.declare(severity="SEV1")
    app.run()
    (channel,) = app.channels()
    assert BOB not in app.slack.channels[channel.channel_id]["members"]

    app.api.clock.advance(minutes=5)
    app.run()  # the policy's second step pages bob: no other event needed

    assert BOB in app.slack.channels[channel.channel_id]["members"]
    app.command("update INC-1 Still investigating")
    app.run()  # a later event does not invite him twice
    assert len([c for c in app.slack.calls_of("conversations.invite") if BOB in str(c)]) == 1
