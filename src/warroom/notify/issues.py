"""Telling a team about an error issue (an issue rule's ``notify`` action): a message to
each of the team's channels, without an incident. Keys derive from the issue, the rule and
the firing time, so a batch that runs again enqueues nothing twice."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from warroom.config import Config
from warroom.notify.broadcast import TEAM_CHANNELS
from warroom.notify.models import Channel, Purpose
from warroom.notify.outbox import enqueue


def tell_team(
    session: Session,
    config: Config,
    team: str,
    issue: dict[str, Any],
    why: str,
    key: str,
    now: datetime,
) -> int:
    """Enqueue the message to every channel of ``team``; how many deliveries were added."""
    owner = config.team(team)
    if owner is None:
        return 0
    subject = f"[{issue['short_id']}] {issue['title']}"
    text = (
        f"Error issue {issue['short_id']} in project {issue['project']} ({why}): "
        f"{issue['title']}\n{issue['events']:,} events, {issue['users']:,} users; "
        f"first seen {issue['first_seen']}"
        + (f"\nCulprit: {issue['culprit']}" if issue.get("culprit") else "")
    )
    body = {"kind": "issue", "subject": subject, "text": text, "issue": issue}
    added = 0
    for contact in owner.contacts:
        channel = TEAM_CHANNELS.get(contact.kind)
        if channel is None:
            continue
        payload = (
            {"op": "post", "channel": contact.target, "message": body}
            if channel is Channel.SLACK
            else body
        )
        delivery = enqueue(
            session,
            config,
            channel=channel,
            target=contact.target,
            purpose=Purpose.BROADCAST,
            payload=payload,
            key=f"{key}:{channel.value}:{contact.target}",
            now=now,
        )
        added += delivery is not None
    return added
