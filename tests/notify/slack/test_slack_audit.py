"""What people do from Slack is in the audit log as theirs, via slack."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.auth.audit_helpers import entries
from tests.notify.slack.helpers import BOB, SlackApp, slack_app
from warroom.notify.channels.slack.blocks import ACKNOWLEDGE_ACTION


@pytest.fixture
def app(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SlackApp]:
    with slack_app(engine, tmp_path, monkeypatch) as running:
        yield running


def test_a_slash_command_declaration_is_recorded_as_the_slack_user_via_slack(
    app: SlackApp,
) -> None:
    response = app.command("declare Checkout returns 503 --sev sev2 --team payments")
    assert response.status_code == 200, response.text
    [declared] = entries(app.api.engine, object_type="incident")
    assert (declared.actor, declared.actor_via, declared.action.value) == (
        "alice",
        "slack",
        "create",
    )
    assert declared.object_id == "INC-1"


def test_a_button_click_is_recorded_as_the_clicking_user_via_slack(app: SlackApp) -> None:
    app.api.declare(severity="SEV3")
    response = app.click(ACKNOWLEDGE_ACTION, app.incident(1).id, user=BOB)
    assert response.status_code == 200, response.text
    [acknowledged] = entries(app.api.engine, object_type="incident", action="update")
    assert (acknowledged.actor, acknowledged.actor_via) == ("bob", "slack")
    assert acknowledged.after is not None
    assert acknowledged.after["status"] == "acknowledged"
