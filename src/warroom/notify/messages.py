"""The generic message every channel renders, and the one incident summary it carries.

Email, Slack and webhooks all get ``{"kind", "subject", "text", "incident"}``; the
``incident`` part is built here only, so a page, a broadcast and a channel post describe an
incident the same way (webhooks receive the same summary).
"""

from __future__ import annotations

from typing import Any

from warroom.incidents.models import Incident


def incident_summary(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.id,
        "ref": incident.ref,
        "number": incident.number,
        "title": incident.title,
        "severity": incident.severity,
        "status": incident.status.value,
        "team": incident.team,
        "services": incident.service_slugs,
        "declared_at": incident.declared_at.isoformat(),
        "alert_count": incident.alert_count,
        "drill": incident.drill,
    }


def incident_subject(incident: Incident) -> str:
    """``[SEV1] INC-7 Checkout returns 503``."""
    return f"[{incident.severity}] {incident.ref} {incident.title}"


DRILL_MARK = "[DRILL] "


def message(kind: str, subject: str, text: str, incident: Incident) -> dict[str, Any]:
    """A drill incident's messages (pages, posts, reminders) say so before anything else."""
    if incident.drill:
        subject = DRILL_MARK + subject
        text = DRILL_MARK + text
    return {
        "kind": kind,
        "subject": subject,
        "text": text,
        "incident": incident_summary(incident),
    }
