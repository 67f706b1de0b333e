"""Rendering an outbox message as email text and HTML (Jinja2, autoescaped HTML), with the
signed acknowledge/resolve links of a page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from warroom.notify.action_links import ActionGrant, LinkAction, action_url
from warroom.notify.channels import SendContext
from warroom.notify.models import Delivery, Purpose

_env = Environment(
    loader=PackageLoader("warroom.notify", "templates"),
    autoescape=select_autoescape(["html.j2"]),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    actions: dict[str, str]


def message_of(delivery: Delivery) -> dict[str, Any]:
    """The generic message of a delivery (Slack payloads wrap it under ``message``)."""
    inner = delivery.payload.get("message")
    return inner if isinstance(inner, dict) else delivery.payload


def incident_url(public_url: str, incident: dict[str, Any]) -> str:
    return f"{public_url.rstrip('/')}/api/v1/incidents/{incident.get('ref', '')}"


def page_actions(delivery: Delivery, context: SendContext) -> tuple[dict[str, str], datetime]:
    """Signed links for a page (or a reminder) addressed to one person; none otherwise."""
    incident = message_of(delivery).get("incident") or {}
    expires = delivery.created_at + context.config.notifications.link_valid_for
    if delivery.purpose is not Purpose.PAGE or delivery.username is None or "id" not in incident:
        return {}, expires
    links = {
        action.value: action_url(
            context.signing_key,
            context.public_url,
            ActionGrant(int(incident["id"]), action, delivery.username, delivery.page_id),
            expires,
        )
        for action in LinkAction
    }
    return links, expires


def render(delivery: Delivery, context: SendContext) -> Rendered:
    message = message_of(delivery)
    incident = message.get("incident")
    actions, expires = page_actions(delivery, context)
    values = {
        "message": {"text": message.get("text", ""), "subject": message.get("subject", "")},
        "incident": incident,
        "incident_url": incident_url(context.public_url, incident or {}),
        "actions": actions,
        "username": delivery.username,
        "valid_until": f"{expires:%Y-%m-%d %H:%M} UTC",
        "organization": context.config.organization.name,
    }
    subject = str(message.get("subject") or "warroom notification")
    return Rendered(
        subject=subject,
        text=_env.get_template("message.txt.j2").render(values),
        html=_env.get_template("message.html.j2").render(values),
        actions=actions,
    )
