"""Public updates to confirmed subscribers, through the outbox.

An incident listener (``warroom.incidents.events``): for a public status update, one email
to every confirmed subscriber of every status page that shows the incident, keyed by the
update and the subscriber, so a job that runs again sends nothing twice. The email holds the
public title, the public status, the page's names of the affected components and the update's
text: nothing internal. Each carries a signed unsubscribe link.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from warroom.config import Config
from warroom.config.status_pages import StatusPage
from warroom.incidents.enums import Audience, TimelineKind
from warroom.incidents.events import IncidentEvent
from warroom.incidents.models import Incident, StatusUpdate
from warroom.notify.models import Channel, Purpose
from warroom.notify.outbox import enqueue
from warroom.statuspage import subscriptions
from warroom.statuspage.models import StatusSubscriber
from warroom.statuspage.states import ComponentState, impact_state, public_status
from warroom.statuspage.views import component_names, pages_showing, public_title


def update_message(
    config: Config,
    page: StatusPage,
    incident: Incident,
    update: StatusUpdate,
    subscriber: StatusSubscriber,
) -> dict[str, Any] | None:
    """The email of one public update to one subscriber of ``page``; None when the incident's
    severity does not show on the page."""
    impact = impact_state(page, incident.severity, config.severity_ranks)
    if impact is ComponentState.OPERATIONAL:
        return None
    names = component_names(config, page)
    services = set(incident.service_slugs)
    shown = [name for service, name in names.items() if service in services]
    title = public_title(incident, impact, shown)
    status = public_status(update.status).label
    return {
        "kind": "status_update",
        "subject": f"[{page.title}] {title}: {status}",
        "text": (
            f"{title}\n{status}: {update.text}\n\n"
            f"Affected: {', '.join(shown)}\n"
            f"Posted {update.at:%Y-%m-%d %H:%M} UTC"
        ),
        "links": [
            {"label": page.title, "path": f"/status/{page.slug}"},
            subscriptions.unsubscribe_link(page, subscriber),
        ],
    }


def on_incident_event(
    session: Session, config: Config, incident: Incident, event: IncidentEvent, now: datetime
) -> None:
    """Listener: email a public update to the subscribers of the pages that show it."""
    if event.kind is not TimelineKind.STATUS_UPDATE:
        return
    if event.after.get("audience") != Audience.PUBLIC.value:
        return
    update_id = event.after.get("update_id")
    if not isinstance(update_id, int):
        return
    update = session.scalar(
        select(StatusUpdate)
        .where(StatusUpdate.id == update_id, StatusUpdate.incident_id == incident.id)
        .options(lazyload(StatusUpdate.author))
    )
    if update is None or update.audience is not Audience.PUBLIC:
        return
    for page in pages_showing(config, incident.service_slugs):
        for subscriber in subscriptions.confirmed(session, page.slug):
            body = update_message(config, page, incident, update, subscriber)
            if body is None:
                break
            enqueue(
                session,
                config,
                channel=Channel.EMAIL,
                target=subscriber.email,
                purpose=Purpose.STATUS_PAGE,
                payload=body,
                key=f"status-update:{update.id}:{subscriber.id}",
                now=now,
                incident_id=incident.id,
            )
