"""Action items in the team's issue tracker, both ways.

Out: every change of an item of a team with a ``tracker`` queues a sync through the outbox
(``learn.trackers``): created, retitled, reassigned, re-dated, done (the tracker issue
closes), reopened. Cancelled items close their issue too.

In: the tracker's webhook closing the issue completes the item, reopening it reopens the
item (``TrackerListener``). The echo of warroom's own change finds the item already in that
state and changes nothing, so the two sides never ping-pong.
"""

from __future__ import annotations

from datetime import datetime

import structlog
from sqlalchemy.orm import Session

from warroom.config import Config, LiveConfig
from warroom.incidents.models import Incident
from warroom.learn.actions import service
from warroom.learn.actions.models import ActionItem, ActionStatus
from warroom.learn.trackers import listener
from warroom.learn.trackers.enqueue import TrackerSubject, enqueue_tracker_sync
from warroom.learn.trackers.models import SubjectKind

log = structlog.get_logger("warroom.learn.actions")


def subject_of(item: ActionItem, incident_ref: str) -> TrackerSubject:
    lines = [
        item.description.strip(),
        "",
        f"Action item of {incident_ref}: {item.kind.value}, priority {item.priority.value}, "
        f"team {item.team}, due {item.due_on.isoformat()}.",
    ]
    return TrackerSubject(
        kind=SubjectKind.ACTION_ITEM,
        id=item.id,
        title=item.title,
        body="\n".join(lines).strip(),
        closed=item.status is not ActionStatus.OPEN,
        url=f"/incidents/{incident_ref}/postmortem#item-{item.id}",
        revision=item.revision,
        labels=["action-item", item.kind.value, item.priority.value],
        assignee=item.owner.username if item.owner is not None else None,
        due=item.due_on,
    )


def sync_item(session: Session, config: Config, item: ActionItem, now: datetime) -> None:
    """The ``service.on_change`` hook."""
    team = config.team(item.team)
    if team is None or team.tracker is None or config.tracker(team.tracker) is None:
        return
    incident = session.get(Incident, item.incident_id)
    ref = incident.ref if incident is not None else f"incident {item.incident_id}"
    enqueue_tracker_sync(
        session, config, tracker=team.tracker, subject=subject_of(item, ref), now=now
    )


class ActionItemTrackerListener:
    """Installed by ``warroom.app``: a tracker issue closed or reopened moves its item."""

    def __init__(self, live_config: LiveConfig) -> None:
        self.live_config = live_config

    def tracker_state_changed(
        self,
        session: Session,
        *,
        subject_kind: SubjectKind,
        subject_id: int,
        closed: bool,
        tracker: str,
        now: datetime,
    ) -> None:
        if subject_kind is not SubjectKind.ACTION_ITEM:
            return
        item = session.get(ActionItem, subject_id, with_for_update={"of": ActionItem})
        if item is None:
            log.info("tracker_event_for_missing_item", item=subject_id, tracker=tracker)
            return
        config = self.live_config.current
        if closed and item.status is ActionStatus.OPEN:
            service.complete(session, config, item, now)
        elif not closed and item.status is not ActionStatus.OPEN:
            service.reopen(session, config, item, now)


_installed: ActionItemTrackerListener | None = None


def install(live_config: LiveConfig) -> None:
    """Called by ``warroom.app`` for each app it builds: the newest app's configuration is
    the one tracker events read (one app per process outside tests)."""
    global _installed  # noqa: PLW0603 - the one wiring point of this port
    if _installed is not None:
        listener.uninstall(_installed)
    _installed = ActionItemTrackerListener(live_config)
    listener.install(_installed)
    service.on_change(sync_item)
