"""Inbound Slack requests: the ``/warroom`` slash command and button clicks.

Both are signed by Slack (``X-Slack-Signature`` over the raw body); an unsigned, wrongly
signed or stale request (timestamp more than 5 minutes from warroom's clock) is a 401.
Slack shows anything but a 200 as a failure, so refusals of the command itself (unknown
incident, transition not allowed, ...) are 200 answers only the typist sees (ephemeral).
"""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from warroom.auth import audit
from warroom.config import Config
from warroom.http.deps import ConfigDep, NowDep, SessionDep
from warroom.incidents.locks import lock_incident
from warroom.incidents.models import Incident
from warroom.notify.channels.slack import actions as slack_actions
from warroom.notify.channels.slack import commands as slack_commands
from warroom.notify.channels.slack.blocks import ACKNOWLEDGE_ACTION, RESOLVE_ACTION
from warroom.notify.channels.slack.identity import NotLinked, acting_user
from warroom.notify.channels.slack.signature import (
    SIGNATURE_HEADER,
    signing_secret,
    verify_request,
)
from warroom.problems import InvalidInput, NotFound, Unauthorized, WarroomError

router = APIRouter(prefix="/slack", tags=["slack"], include_in_schema=False)
"""Out of the OpenAPI document, whose routes all take a bearer token: Slack signs instead
(request URLs in docs/slack.md)."""

BUTTONS = {ACKNOWLEDGE_ACTION: slack_actions.acknowledge, RESOLVE_ACTION: slack_actions.resolve}


async def signed_form(request: Request) -> dict[str, str]:
    """The verified form fields of a Slack request (the raw body is what Slack signed)."""
    body = await request.body()
    config: Config = request.app.state.live_config.current
    settings = config.notifications.slack
    if settings is None:
        raise Unauthorized(
            "Slack is not configured (notifications.slack): no request can be verified",
            field=SIGNATURE_HEADER,
        )
    verify_request(signing_secret(settings), body, request.headers, request.app.state.clock)
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise InvalidInput("the body is not UTF-8 form data", field="body") from None
    return {name: values[-1] for name, values in fields.items()}


SignedForm = Annotated[dict[str, str], Depends(signed_form)]


def _required(fields: dict[str, Any], name: str, field: str | None = None) -> str:
    value = fields.get(name)
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"{field or name} is required", field=field or name)
    return value


@router.post("/commands")
def slash_command(
    form: SignedForm, session: SessionDep, config: ConfigDep, now: NowDep
) -> dict[str, Any]:
    """The ``/warroom`` slash command (Slack's request URL for it)."""
    command = slack_commands.SlashCommand(
        user_id=_required(form, "user_id"),
        channel_id=form.get("channel_id", ""),
        channel_name=form.get("channel_name", ""),
        text=form.get("text", ""),
    )
    return slack_commands.run(session, config, command, now)


@router.post("/interactions")
def interaction(
    form: SignedForm, session: SessionDep, config: ConfigDep, now: NowDep
) -> dict[str, Any]:
    """Button clicks (Slack's interactivity request URL): Acknowledge and Resolve."""
    try:
        payload = json.loads(_required(form, "payload"))
    except json.JSONDecodeError:
        raise InvalidInput("payload is not JSON", field="payload") from None
    if not isinstance(payload, dict):
        raise InvalidInput("payload must be a JSON object", field="payload")
    if payload.get("type") != "block_actions":
        return {}  # other interaction kinds: acknowledged, nothing to do
    user = payload.get("user")
    user_id = _required(user if isinstance(user, dict) else {}, "id", "payload.user.id")
    clicked = payload.get("actions")
    if not isinstance(clicked, list) or not clicked or not isinstance(clicked[0], dict):
        raise InvalidInput("payload.actions is required", field="payload.actions")
    action = clicked[0]
    handler = BUTTONS.get(str(action.get("action_id")))
    if handler is None:
        return slack_commands.ephemeral("This button is not warroom's.")
    try:
        actor = acting_user(session, config, user_id, now)
        audit.act_as(session, audit.Actor(actor.username, audit.VIA_SLACK))
        incident = _incident_of(session, str(action.get("value", "")))
        text = handler(session, config, actor, incident, now)
    except NotLinked as exc:
        session.rollback()
        return slack_commands.ephemeral(str(exc))
    except WarroomError as exc:
        session.rollback()
        return slack_commands.ephemeral(exc.message)
    session.commit()
    return slack_commands.ephemeral(text)


def _incident_of(session: Session, value: str) -> Incident:
    if not (value.isdecimal() and value.isascii()):
        raise InvalidInput("the button's value is not an incident", field="value")
    incident = lock_incident(session, int(value))
    if incident is None:
        raise NotFound("that incident no longer exists", field="value")
    return incident
