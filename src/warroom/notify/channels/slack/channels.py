"""Dedicated Slack channels for severe incidents.

When an incident is declared, or raised, at a severity listed in
``notifications.slack.dedicated_channel_severities`` and has no channel yet, a
``create_channel`` delivery goes to the outbox. Once Slack made the channel
(``on_delivered``), warroom records it (IncidentChannel), invites the responders that have a
Slack contact — the declarer, everyone paged, the role holders — and posts a first message.
From then on the incident's events (status, severity, updates, roles, acknowledged pages) are
posted there too; someone paged later is invited as the page goes out (``invite_paged``),
and with each event whoever took a role since is invited.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.config import Config
from warroom.config.people import PersonContactKind
from warroom.escalation.models import Page
from warroom.incidents.enums import IncidentStatus, TimelineKind
from warroom.incidents.events import IncidentEvent
from warroom.incidents.models import Incident, StatusUpdate
from warroom.notify.messages import incident_subject, message
from warroom.notify.models import Channel, Delivery, IncidentChannel, Purpose
from warroom.notify.outbox import enqueue

PROVIDER = "slack"
FINISHED = frozenset({IncidentStatus.RESOLVED, IncidentStatus.CLOSED})
ROLE_KINDS = frozenset({TimelineKind.ROLE_ASSIGNED, TimelineKind.ROLE_HANDED_OVER})
INVITING_KINDS = ROLE_KINDS | {TimelineKind.PAGE_ACKNOWLEDGED}


def incident_channel(session: Session, incident_id: int) -> IncidentChannel | None:
    return session.scalar(
        select(IncidentChannel).where(
            IncidentChannel.incident_id == incident_id, IncidentChannel.provider == PROVIDER
        )
    )


def incident_of_channel(session: Session, channel_id: str) -> Incident | None:
    """The incident whose dedicated channel this is (slash commands typed in it)."""
    row = session.scalar(
        select(IncidentChannel).where(
            IncidentChannel.channel_id == channel_id, IncidentChannel.provider == PROVIDER
        )
    )
    return None if row is None else session.get(Incident, row.incident_id)


def incident_message(kind: str, text: str, incident: Incident) -> dict[str, Any]:
    """A generic message (the shape every channel renders) about ``incident``."""
    return message(kind, incident_subject(incident), text, incident)


def describe(session: Session, event: IncidentEvent, incident: Incident) -> str | None:
    """One line about the event for the channel; None for events not worth a message."""
    who = event.actor or "warroom"
    after, before = event.after, event.before
    if event.kind in (TimelineKind.STATUS_CHANGED, TimelineKind.REOPENED):
        return f"{who}: {incident.ref} is now *{after.get('status', incident.status.value)}*"
    if event.kind is TimelineKind.SEVERITY_CHANGED:
        return (
            f"{who} changed the severity from {before.get('severity')} to *{after.get('severity')}*"
        )
    if event.kind is TimelineKind.STATUS_UPDATE:
        text = _latest_update_text(session, incident, event) or "(see warroom)"
        return f"Status update by {who}: {text}"
    if event.kind in ROLE_KINDS:
        return f"{after.get('user')} is now the {after.get('role')} (set by {who})"
    if event.kind is TimelineKind.PAGE_ACKNOWLEDGED:
        return f"{after.get('user') or who} acknowledged the page"
    if event.kind is TimelineKind.ALERTS_RESOLVED:
        return "All alerts of this incident have resolved"
    if event.kind is TimelineKind.REASSIGNED:
        return f"{who} reassigned the incident"
    return None


def _latest_update_text(session: Session, incident: Incident, event: IncidentEvent) -> str | None:
    update = session.scalar(
        select(StatusUpdate)
        .where(StatusUpdate.incident_id == incident.id, StatusUpdate.at <= event.at)
        .order_by(StatusUpdate.at.desc(), StatusUpdate.id.desc())
        .limit(1)
    )
    return None if update is None else update.text


def _event_key(incident: Incident, event: IncidentEvent) -> str:
    digest = hashlib.sha256(
        json.dumps(event.to_payload(), sort_keys=True, default=str).encode()
    ).hexdigest()[:16]
    return f"slack:event:{incident.id}:{event.kind.value}:{digest}"


def wants_channel(config: Config, incident: Incident) -> bool:
    slack = config.notifications.slack
    return (
        slack is not None
        and incident.severity in slack.dedicated_channel_severities
        and incident.status not in FINISHED
    )


def request_channel(session: Session, config: Config, incident: Incident, now: datetime) -> None:
    enqueue(
        session,
        config,
        channel=Channel.SLACK,
        target=f"inc-{incident.number}",
        purpose=Purpose.BROADCAST,
        payload={
            "op": "create_channel",
            "incident_id": incident.id,
            "number": incident.number,
            "title": incident.title,
        },
        key=f"slack:create_channel:{incident.id}",
        now=now,
        incident_id=incident.id,
    )


def on_incident_event(
    session: Session, config: Config, incident: Incident, event: IncidentEvent, now: datetime
) -> None:
    """The incident listener (``warroom.app.INCIDENT_LISTENERS``)."""
    if config.notifications.slack is None:
        return
    channel = incident_channel(session, incident.id)
    if channel is None:
        if event.kind in (TimelineKind.DECLARED, TimelineKind.SEVERITY_CHANGED) and wants_channel(
            config, incident
        ):
            request_channel(session, config, incident, now)
        return  # events before the channel exists are summed up by its first message
    text = describe(session, event, incident)
    if text is not None:
        post(session, config, incident, channel, text, _event_key(incident, event), now)
    # Invites are idempotent by key: whoever was paged or took a role since is asked in.
    newcomer = event.after.get("user") if event.kind in INVITING_KINDS else None
    for username in [*responders(session, incident), *([newcomer] if newcomer else [])]:
        invite(session, config, incident, channel, str(username), now)


def post(
    session: Session,
    config: Config,
    incident: Incident,
    channel: IncidentChannel,
    text: str,
    key: str,
    now: datetime,
) -> None:
    enqueue(
        session,
        config,
        channel=Channel.SLACK,
        target=channel.channel_id,
        purpose=Purpose.BROADCAST,
        payload={
            "op": "post",
            "channel": channel.channel_id,
            "message": incident_message("incident", text, incident),
        },
        key=key,
        now=now,
        incident_id=incident.id,
    )


def slack_user_of(config: Config, username: str) -> str | None:
    person = config.person(username)
    contact = person.contact(PersonContactKind.SLACK) if person is not None else None
    return contact.target if contact is not None else None


def invite(
    session: Session,
    config: Config,
    incident: Incident,
    channel: IncidentChannel,
    username: str,
    now: datetime,
) -> None:
    slack_user = slack_user_of(config, username)
    if slack_user is None:
        return
    enqueue(
        session,
        config,
        channel=Channel.SLACK,
        target=slack_user,
        purpose=Purpose.BROADCAST,
        payload={"op": "invite", "channel": channel.channel_id, "user": slack_user},
        key=f"slack:invite:{incident.id}:{channel.channel_id}:{slack_user}",
        now=now,
        incident_id=incident.id,
        username=username,
    )


def invite_paged(
    session: Session, config: Config, incident: Incident, username: str, now: datetime
) -> None:
    """Someone just paged joins the incident's channel at once, when it has one (those paged
    before it was made are invited when it is)."""
    if config.notifications.slack is None or slack_user_of(config, username) is None:
        return
    channel = incident_channel(session, incident.id)
    if channel is not None:
        invite(session, config, incident, channel, username, now)


def responders(session: Session, incident: Incident) -> list[str]:
    """Usernames to invite: the declarer, everyone paged, the current role holders."""
    names: list[str] = []
    if incident.declared_by is not None:
        names.append(incident.declared_by.username)
    names.extend(
        session.scalars(
            select(Page.username).where(Page.incident_id == incident.id).order_by(Page.id)
        )
    )
    names.extend(a.user.username for a in incident.role_assignments if a.released_at is None)
    return list(dict.fromkeys(names))


def on_delivered(session: Session, config: Config, delivery: Delivery, now: datetime) -> None:
    """After Slack made an incident's channel: record it, invite responders, say hello."""
    if delivery.payload.get("op") != "create_channel" or not delivery.response:
        return
    incident = session.get(Incident, int(delivery.payload["incident_id"]))
    channel_id = delivery.response.get("channel_id")
    if incident is None or not channel_id:
        return
    channel = incident_channel(session, incident.id)
    if channel is None:
        channel = IncidentChannel(
            incident_id=incident.id,
            provider=PROVIDER,
            channel_id=str(channel_id),
            name=str(delivery.response.get("name") or f"inc-{incident.number}")[:80],
            created_at=now,
        )
        session.add(channel)
        session.flush()
    for username in responders(session, incident):
        invite(session, config, incident, channel, username, now)
    text = (
        f"This channel is for {incident.ref} ({incident.severity}, team {incident.team}): "
        f"{incident.title}. It is *{incident.status.value}*. "
        "Use `/warroom ack`, `/warroom update <text>`, `/warroom resolve` here."
    )
    post(session, config, incident, channel, text, f"slack:welcome:{incident.id}", now)
