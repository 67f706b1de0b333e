"""Rendering an outbox message as email text and HTML (Jinja2, autoescaped HTML), with the
signed acknowledge/resolve links of a page, and the links a message asks for.

A message may carry ``links``: ``[{"label", "path", "purpose"?, "data"?, "expires_at"?,
"unsubscribe"?}]``. Each becomes ``<public URL><path>``, with ``?token=`` signed for
``purpose`` when it has one: tokens are made at send time with the app's key, so no secret
sits in the outbox. The link marked ``unsubscribe`` is also the email's List-Unsubscribe."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from warroom.auth.signing import sign
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
    links: list[tuple[str, str]] = field(default_factory=list)
    """(label, absolute URL) of the message's own links."""
    unsubscribe: str | None = None


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


def message_links(
    message: dict[str, Any], context: SendContext
) -> tuple[list[tuple[str, str]], str | None]:
    """The message's ``links`` as (label, URL), and the unsubscribe URL among them."""
    found: list[tuple[str, str]] = []
    unsubscribe = None
    base = context.public_url.rstrip("/")
    for link in message.get("links") or []:
        url = base + str(link["path"])
        purpose = link.get("purpose")
        if purpose:
            expires = link.get("expires_at")
            token = sign(
                context.signing_key,
                str(purpose),
                dict(link.get("data") or {}),
                datetime.fromisoformat(expires) if expires else None,
            )
            url += ("&" if "?" in url else "?") + f"token={token}"
        found.append((str(link["label"]), url))
        if link.get("unsubscribe"):
            unsubscribe = url
    return found, unsubscribe


def render(delivery: Delivery, context: SendContext) -> Rendered:
    message = message_of(delivery)
    incident = message.get("incident")
    actions, expires = page_actions(delivery, context)
    links, unsubscribe = message_links(message, context)
    values = {
        "message": {"text": message.get("text", ""), "subject": message.get("subject", "")},
        "incident": incident,
        "incident_url": incident_url(context.public_url, incident or {}),
        "actions": actions,
        "links": links,
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
        links=links,
        unsubscribe=unsubscribe,
    )
