"""The Slack sender against a local server speaking Slack's documented Web API contract."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tests.notify.slack.helpers import ALICE, CONFIG, TOKEN_ENV, slack_app
from tests.support.slack_api import SlackWorkspace, slack_api
from warroom.config.loader import parse_config
from warroom.db.engine import make_session_factory
from warroom.notify.channels import DeliveryFailed, SendContext
from warroom.notify.channels.slack.blocks import ACKNOWLEDGE_ACTION, RESOLVE_ACTION
from warroom.notify.channels.slack.sender import SlackSender
from warroom.notify.models import Channel, Delivery, DeliveryStatus, Purpose
from warroom.notify.outbox import enqueue

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MESSAGE = {
    "kind": "page",
    "subject": "[SEV1] INC-7 Checkout returns 503",
    "text": "Alice, you are paged for INC-7.",
    "incident": {
        "id": 42,
        "ref": "INC-7",
        "title": "Checkout returns 503",
        "severity": "SEV1",
        "status": "triggered",
        "team": "payments",
    },
}


@pytest.fixture
def workspace(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[SlackWorkspace, SendContext]]:
    with slack_api() as (slack, api_url):
        slack.users.update({ALICE})
        monkeypatch.setenv(TOKEN_ENV, slack.token)
        config = parse_config(CONFIG % {"api_url": api_url})
        yield slack, SendContext(config, "https://warroom.example.com", b"k" * 32, NOW)


def delivery(payload: dict[str, Any]) -> Delivery:
    return Delivery(
        id=1,
        key="k",
        channel=Channel.SLACK,
        target="t",
        purpose=Purpose.PAGE,
        payload=payload,
        status=DeliveryStatus.SENDING,
        attempts=1,
        max_attempts=3,
        due_at=NOW,
        created_at=NOW,
    )


def send(context: SendContext, payload: dict[str, Any]) -> dict[str, Any] | None:
    return SlackSender().send(delivery(payload), context)


def test_post_sends_block_kit_with_buttons_and_the_bot_token(
    workspace: tuple[SlackWorkspace, SendContext],
) -> None:
    slack, context = workspace
    channel_id = slack.add_channel("payments")

    answer = send(context, {"op": "post", "channel": "#payments", "message": MESSAGE})

    assert answer is not None and answer["channel"] == channel_id and answer["ts"]
    (call,) = slack.calls_of("chat.postMessage")
    assert call.authorization == f"Bearer {slack.token}"
    (posted,) = slack.messages_in(channel_id)
    assert posted["text"].startswith("[SEV1] INC-7 Checkout returns 503")
    section, context_block, actions = posted["blocks"]
    assert "<https://warroom.example.com/api/v1/incidents/INC-7|" in section["text"]["text"]
    assert "SEV1" in context_block["elements"][0]["text"]
    assert [(b["action_id"], b["value"]) for b in actions["elements"]] == [
        (ACKNOWLEDGE_ACTION, "42"),
        (RESOLVE_ACTION, "42"),
    ]


def test_a_resolved_incident_gets_no_buttons(
    workspace: tuple[SlackWorkspace, SendContext],
) -> None:
    slack, context = workspace
    channel_id = slack.add_channel("payments")
    resolved = {**MESSAGE, "incident": {**MESSAGE["incident"], "status": "resolved"}}  # type: ignore[dict-item]

    send(context, {"op": "post", "channel": channel_id, "message": resolved})

    (posted,) = slack.messages_in(channel_id)
    assert [block["type"] for block in posted["blocks"]] == ["section", "context"]


def test_dm_opens_the_conversation_then_posts_in_it(
    workspace: tuple[SlackWorkspace, SendContext],
) -> None:
    slack, context = workspace

    answer = send(context, {"op": "dm", "user": ALICE, "message": MESSAGE})

    (opened,) = slack.calls_of("conversations.open")
    assert opened.params["users"] == ALICE
    assert answer is not None and str(answer["channel"]).startswith("D")
    assert ALICE in slack.channels[answer["channel"]]["members"]
    assert len(slack.messages_in(answer["channel"])) == 1


def test_dm_to_an_unknown_user_fails_for_good(
    workspace: tuple[SlackWorkspace, SendContext],
) -> None:
    _slack, context = workspace
    with pytest.raises(DeliveryFailed) as failed:
        send(context, {"op": "dm", "user": "U0NOBODY1", "message": MESSAGE})
    assert "user_not_found" in str(failed.value) and not failed.value.retryable


def test_create_channel_then_invite(workspace: tuple[SlackWorkspace, SendContext]) -> None:
    slack, context = workspace

    made = send(context, {"op": "create_channel", "number": 7, "title": "Checkout returns 503!"})
    assert made is not None and made["name"] == "inc-7-checkout-returns-503"
    invited = send(context, {"op": "invite", "channel": made["channel_id"], "user": ALICE})

    assert invited == {"channel": made["channel_id"], "user": ALICE}
    assert ALICE in slack.channels[made["channel_id"]]["members"]
    # inviting again is already done, not a failure
    again = send(context, {"op": "invite", "channel": made["channel_id"], "user": ALICE})
    assert again is not None and again["already"] is True


def test_a_taken_name_gets_the_next_suffix(workspace: tuple[SlackWorkspace, SendContext]) -> None:
    slack, context = workspace
    slack.add_channel("inc-7-checkout-returns-503")
    slack.add_channel("inc-7-checkout-returns-503-2")

    made = send(context, {"op": "create_channel", "number": 7, "title": "Checkout returns 503"})

    assert made is not None and made["name"] == "inc-7-checkout-returns-503-3"
    tried = [call.params["name"] for call in slack.calls_of("conversations.create")]
    assert tried == [
        "inc-7-checkout-returns-503",
        "inc-7-checkout-returns-503-2",
        "inc-7-checkout-returns-503-3",
    ]


def test_a_long_title_makes_a_valid_80_character_name(
    workspace: tuple[SlackWorkspace, SendContext],
) -> None:
    _slack, context = workspace
    made = send(context, {"op": "create_channel", "number": 1234, "title": "Ünïcode " * 30})
    assert made is not None and len(made["name"]) <= 80
    assert made["name"].startswith("inc-1234-unicode-unicode")


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"op": "post", "channel": "#nowhere", "message": MESSAGE}, "channel_not_found"),
        ({"op": "invite", "channel": "C404", "user": ALICE}, "channel_not_found"),
    ],
)
def test_permanent_errors_are_not_retried(
    workspace: tuple[SlackWorkspace, SendContext], payload: dict[str, Any], error: str
) -> None:
    _slack, context = workspace
    with pytest.raises(DeliveryFailed) as failed:
        send(context, payload)
    assert error in str(failed.value) and failed.value.retryable is False


def test_a_channel_the_bot_is_not_in_is_permanent(
    workspace: tuple[SlackWorkspace, SendContext],
) -> None:
    slack, context = workspace
    slack.add_channel("secret", bot_is_member=False)
    with pytest.raises(DeliveryFailed) as failed:
        send(context, {"op": "post", "channel": "#secret", "message": MESSAGE})
    assert "not_in_channel" in str(failed.value) and failed.value.retryable is False


def test_invalid_auth_is_permanent(
    workspace: tuple[SlackWorkspace, SendContext], monkeypatch: pytest.MonkeyPatch
) -> None:
    slack, context = workspace
    slack.add_channel("payments")
    monkeypatch.setenv(TOKEN_ENV, "xoxb-revoked")
    with pytest.raises(DeliveryFailed) as failed:
        send(context, {"op": "post", "channel": "#payments", "message": MESSAGE})
    assert "invalid_auth" in str(failed.value) and failed.value.retryable is False


def test_rate_limit_and_server_errors_are_retryable(
    workspace: tuple[SlackWorkspace, SendContext],
) -> None:
    slack, context = workspace
    slack.add_channel("payments")
    payload = {"op": "post", "channel": "#payments", "message": MESSAGE}
    slack.rate_limited = 1
    with pytest.raises(DeliveryFailed) as limited:
        send(context, payload)
    assert "ratelimited" in str(limited.value) and limited.value.retryable is True
    assert limited.value.retry_after == slack.retry_after
    slack.server_errors = 1
    with pytest.raises(DeliveryFailed) as unavailable:
        send(context, payload)
    assert "503" in str(unavailable.value) and unavailable.value.retryable is True


def test_a_slack_that_is_down_is_retryable(monkeypatch: pytest.MonkeyPatch) -> None:
    with slack_api() as (slack, api_url):
        monkeypatch.setenv(TOKEN_ENV, slack.token)
        config = parse_config(CONFIG % {"api_url": api_url})
    context = SendContext(config, "https://warroom.example.com", b"k" * 32, NOW)  # server gone
    with pytest.raises(DeliveryFailed) as failed:
        send(context, {"op": "post", "channel": "#payments", "message": MESSAGE})
    assert failed.value.retryable is True


def test_a_missing_token_is_permanent(
    workspace: tuple[SlackWorkspace, SendContext], monkeypatch: pytest.MonkeyPatch
) -> None:
    _slack, context = workspace
    monkeypatch.delenv(TOKEN_ENV)
    with pytest.raises(DeliveryFailed) as failed:
        send(context, {"op": "post", "channel": "#payments", "message": MESSAGE})
    assert TOKEN_ENV in str(failed.value) and failed.value.retryable is False


# --- through the outbox (SQLite and PostgreSQL) -----------------------------------------


def _enqueue_post(engine: Engine, app: Any) -> int:
    with make_session_factory(engine)() as session:
        row = enqueue(
            session,
            app.api.live_config.current,
            channel=Channel.SLACK,
            target="#payments",
            purpose=Purpose.BROADCAST,
            payload={"op": "post", "channel": "#payments", "message": MESSAGE},
            key="slack-test-post",
            now=app.api.clock(),
        )
        assert row is not None
        session.commit()
        return row.id


def _row(engine: Engine, delivery_id: int) -> Delivery:
    with Session(engine) as session:
        row = session.get(Delivery, delivery_id)
        assert row is not None
        session.expunge(row)
        return row


def test_a_rate_limited_post_is_delivered_once_on_retry(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with slack_app(engine, tmp_path, monkeypatch) as app:
        delivery_id = _enqueue_post(engine, app)
        app.slack.rate_limited = 1
        app.slack.retry_after = 400  # longer than the backoff (5 s, then doubling)
        app.run()
        first = _row(engine, delivery_id)
        assert first.status is DeliveryStatus.PENDING and "ratelimited" in (first.last_error or "")
        assert app.slack.messages == []
        # Slack's Retry-After is honoured: not retried before it.
        assert first.due_at >= app.api.clock() + timedelta(seconds=400)
        app.api.clock.advance(minutes=6)
        app.run()
        assert app.slack.messages == []

        app.api.clock.advance(minutes=2)
        app.run()

        done = _row(engine, delivery_id)
        assert done.status is DeliveryStatus.DELIVERED and done.attempts == 2
        assert len(app.slack.messages) == 1
        assert done.response is not None and done.response["ts"] == app.slack.messages[0]["ts"]


def test_invalid_auth_makes_a_dead_letter_at_once(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with slack_app(engine, tmp_path, monkeypatch) as app:
        monkeypatch.setenv(TOKEN_ENV, "xoxb-wrong")
        delivery_id = _enqueue_post(engine, app)
        app.run()
        app.api.clock.advance(hours=1)
        app.run()

        dead = _row(engine, delivery_id)
        assert dead.status is DeliveryStatus.DEAD and dead.attempts == 1
        assert "invalid_auth" in (dead.last_error or "")
        assert len(app.slack.calls_of("chat.postMessage")) == 1 and app.slack.messages == []


def test_due_later_is_not_sent_early(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with slack_app(engine, tmp_path, monkeypatch) as app:
        with make_session_factory(engine)() as session:
            enqueue(
                session,
                app.api.live_config.current,
                channel=Channel.SLACK,
                target="#payments",
                purpose=Purpose.BROADCAST,
                payload={"op": "post", "channel": "#payments", "message": MESSAGE},
                key="later",
                now=app.api.clock(),
                due_at=app.api.clock() + timedelta(minutes=2),
            )
            session.commit()
        app.run()
        assert app.slack.messages == []
        app.api.clock.advance(minutes=2)
        app.run()
        assert len(app.slack.messages) == 1


def test_control_characters_are_escaped_in_what_is_posted(
    workspace: tuple[SlackWorkspace, SendContext],
) -> None:
    slack, context = workspace
    channel_id = slack.add_channel("payments")
    tricky = {**MESSAGE, "subject": "Cart & <!channel> down", "text": "p99 > 2s"}

    send(context, {"op": "post", "channel": channel_id, "message": tricky})

    (posted,) = slack.messages_in(channel_id)
    assert posted["text"] == "Cart &amp; &lt;!channel&gt; down\np99 &gt; 2s"
    section = posted["blocks"][0]["text"]["text"]
    assert "Cart &amp; &lt;!channel&gt; down" in section and "<!channel>" not in section
