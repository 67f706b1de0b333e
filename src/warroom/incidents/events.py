"""Incident events for the stages after the incident (escalation, notifications, chat).

A change that others react to (declared, acknowledged, resolved, severity changed, status
update, role assigned, ...) leaves a timeline entry; for those kinds ``publish`` also adds a
durable ``incident_event`` job in the same transaction. The worker runs the job and calls the
listeners, so a page or a channel message is never lost with a crash and never made for a
change that rolled back. The incidents package knows nothing about who listens.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict

import structlog
from sqlalchemy.orm import Session, lazyload

from warroom.config import Config
from warroom.incidents.enums import TimelineKind
from warroom.incidents.models import Incident
from warroom.jobs.queue import JobHandler, schedule

log = structlog.get_logger("warroom.incidents.events")

INCIDENT_EVENT_JOB = "incident_event"
WAKE_WORKER = "warroom.wake_worker"
"""Session.info flag: after commit, wake the worker (a job is due now)."""

PUBLISHED_KINDS = frozenset(
    {
        TimelineKind.DECLARED,
        TimelineKind.STATUS_CHANGED,
        TimelineKind.REOPENED,
        TimelineKind.SEVERITY_CHANGED,
        TimelineKind.STATUS_UPDATE,
        TimelineKind.ROLE_ASSIGNED,
        TimelineKind.ROLE_HANDED_OVER,
        TimelineKind.ALERTS_RESOLVED,
        TimelineKind.PAGE_ACKNOWLEDGED,
        TimelineKind.REASSIGNED,
    }
)


class EventPayload(TypedDict):
    """Job ``incident_event``: an ``IncidentEvent`` as JSON."""

    incident_id: int
    kind: str
    at: str
    actor: str | None
    before: dict[str, Any]
    after: dict[str, Any]


@dataclass(frozen=True)
class IncidentEvent:
    """What happened to an incident, as the timeline recorded it."""

    incident_id: int
    kind: TimelineKind
    at: datetime
    actor: str | None
    before: dict[str, Any]
    after: dict[str, Any]

    @property
    def new_status(self) -> str | None:
        """For status changes and reopens: the status the incident moved to."""
        status = self.after.get("status")
        return status if isinstance(status, str) else None

    def to_payload(self) -> EventPayload:
        return {
            "incident_id": self.incident_id,
            "kind": self.kind.value,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "before": self.before,
            "after": self.after,
        }

    @classmethod
    def from_payload(cls, payload: EventPayload) -> IncidentEvent:
        return cls(
            incident_id=payload["incident_id"],
            kind=TimelineKind(payload["kind"]),
            at=datetime.fromisoformat(payload["at"]),
            actor=payload["actor"],
            before=dict(payload["before"]),
            after=dict(payload["after"]),
        )


def publish(session: Session, event: IncidentEvent) -> None:
    if event.kind not in PUBLISHED_KINDS:
        return
    schedule(session, INCIDENT_EVENT_JOB, event.at, event.at, event.to_payload())
    session.info[WAKE_WORKER] = True


Listener = Callable[[Session, Config, Incident, IncidentEvent, datetime], None]
"""Reacts to an event inside the job's transaction; must not commit."""


def dispatcher(listeners: Sequence[Listener]) -> JobHandler:
    """The ``incident_event`` job handler: every listener, in order, in one transaction."""

    def handle(session: Session, config: Config, payload: EventPayload, now: datetime) -> None:
        event = IncidentEvent.from_payload(payload)
        # Collections load when a listener touches them: most never do.
        incident = session.get(Incident, event.incident_id, options=[lazyload("*")])
        if incident is None:
            log.info("incident_event_dropped", incident_id=event.incident_id, reason="deleted")
            return
        for listener in listeners:
            listener(session, config, incident, event, now)

    return handle
