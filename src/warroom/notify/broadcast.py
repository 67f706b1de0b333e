"""Telling channels about incidents: the owning team's channels always, the general
incidents channel for broadcast severities, and every matching outgoing webhook.

An incident listener (see warroom.incidents.events): it runs in the event's job transaction
and only enqueues deliveries, with keys derived from the event, so a job that runs again
sends nothing twice. Paging people is escalation's business (warroom.escalation).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.orm import Session

from warroom.config import Config, ContactKind
from warroom.incidents.enums import TimelineKind
from warroom.incidents.events import IncidentEvent
from warroom.incidents.models import Incident
from warroom.notify.messages import incident_summary, message
from warroom.notify.models import Channel, Purpose
from warroom.notify.outbox import enqueue

EVENT_NAMES = {
    TimelineKind.DECLARED: "incident.declared",
    TimelineKind.STATUS_CHANGED: "incident.status_changed",
    TimelineKind.REOPENED: "incident.reopened",
    TimelineKind.SEVERITY_CHANGED: "incident.severity_changed",
    TimelineKind.STATUS_UPDATE: "incident.status_update",
}
TEAM_CHANNELS = {
    ContactKind.EMAIL: Channel.EMAIL,
    ContactKind.SLACK_CHANNEL: Channel.SLACK,
    ContactKind.WEBHOOK: Channel.WEBHOOK,
}


def headline(incident: Incident, event: IncidentEvent) -> str:
    who = event.actor or "warroom"
    if event.kind is TimelineKind.DECLARED:
        return f"{incident.ref} declared at {incident.severity} for team {incident.team}"
    if event.kind is TimelineKind.STATUS_CHANGED:
        return f"{incident.ref} is now {event.new_status} ({who})"
    if event.kind is TimelineKind.REOPENED:
        return f"{incident.ref} was reopened ({who})"
    if event.kind is TimelineKind.SEVERITY_CHANGED:
        old, new = event.before.get("severity"), event.after.get("severity")
        return f"{incident.ref} severity changed from {old} to {new} ({who})"
    return f"{incident.ref} status update ({who})"


def _event_key(incident: Incident, event: IncidentEvent) -> str:
    digest = hashlib.sha256(
        orjson.dumps(
            [event.kind.value, event.at.isoformat(), event.before, event.after],
            option=orjson.OPT_SORT_KEYS,
        )
    ).hexdigest()[:16]
    return f"broadcast:{incident.id}:{event.kind.value}:{digest}"


def _channel_for(target: str) -> Channel:
    return Channel.EMAIL if "@" in target and not target.startswith("#") else Channel.SLACK


def _payload(channel: Channel, target: str, body: dict[str, Any]) -> dict[str, Any]:
    if channel is Channel.SLACK:
        return {"op": "post", "channel": target, "message": body}
    return body


def on_incident_event(
    session: Session, config: Config, incident: Incident, event: IncidentEvent, now: datetime
) -> None:
    name = EVENT_NAMES.get(event.kind)
    if name is None:
        return
    text = headline(incident, event)
    update = event.after.get("text") if event.kind is TimelineKind.STATUS_UPDATE else None
    body = message(
        "incident",
        f"[{incident.severity}] {text}: {incident.title}",
        f"{text}: {incident.title}" + (f"\n\n{update}" if update else ""),
        incident,
    )
    key = _event_key(incident, event)
    targets: list[tuple[Channel, str]] = []
    team = config.team(incident.team)
    for contact in team.contacts if team is not None else []:
        channel = TEAM_CHANNELS.get(contact.kind)
        if channel is not None:  # a phone number is for people to call, not for warroom
            targets.append((channel, contact.target))
    notifications = config.notifications
    general = notifications.incidents_channel
    if general is not None and incident.severity in notifications.broadcast_severities:
        targets.append((_channel_for(general), general))
    for channel, target in dict.fromkeys(targets):
        enqueue(
            session,
            config,
            channel=channel,
            target=target,
            purpose=Purpose.BROADCAST,
            payload=_payload(channel, target, body),
            key=f"{key}:{channel.value}:{target}",
            now=now,
            incident_id=incident.id,
        )
    for hook in notifications.webhooks:
        if hook.teams and incident.team not in hook.teams:
            continue
        if hook.min_severity is not None and not _at_least(
            config, incident.severity, hook.min_severity
        ):
            continue
        enqueue(
            session,
            config,
            channel=Channel.WEBHOOK,
            target=hook.url,
            purpose=Purpose.EVENT,
            payload={
                "webhook": hook.slug,
                "event": name,
                "at": event.at.isoformat(),
                "actor": event.actor,
                "incident": incident_summary(incident),
                "change": {"before": event.before, "after": event.after},
            },
            key=f"{key}:hook:{hook.slug}",
            now=now,
            incident_id=incident.id,
        )


def _at_least(config: Config, severity: str, minimum: str) -> bool:
    try:
        return config.severity_rank(severity) <= config.severity_rank(minimum)
    except KeyError:
        return False
