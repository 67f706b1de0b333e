"""What an incident's escalation did: runs, pages and the deliveries of each page."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.escalation.models import Page
from warroom.escalation.schemas import EscalationOut, EscalationRunOut, PageDeliveryOut, PageOut
from warroom.escalation.service import runs_of
from warroom.incidents.models import Incident
from warroom.notify.models import Delivery


def escalation_out(session: Session, incident: Incident) -> EscalationOut:
    pages = list(
        session.scalars(
            select(Page).where(Page.incident_id == incident.id).order_by(Page.paged_at, Page.id)
        )
    )
    deliveries: dict[int, list[PageDeliveryOut]] = defaultdict(list)
    if pages:
        rows = session.scalars(
            select(Delivery)
            .where(Delivery.page_id.in_([page.id for page in pages]))
            .order_by(Delivery.id)
        )
        for row in rows:
            assert row.page_id is not None
            deliveries[row.page_id].append(
                PageDeliveryOut(
                    id=row.id,
                    channel=row.channel,
                    target=row.target,
                    status=row.status,
                    attempts=row.attempts,
                    due_at=row.due_at,
                    delivered_at=row.delivered_at,
                    last_error=row.last_error,
                )
            )
    return EscalationOut(
        incident=incident.ref,
        runs=[
            EscalationRunOut(
                id=run.id,
                policy=run.policy,
                state=run.state,
                step=run.step + 1,
                round=run.round + 1,
                reason=run.reason,
                started_at=run.started_at,
                updated_at=run.updated_at,
                next_at=run.next_at,
                snapshot=run.snapshot,
            )
            for run in runs_of(session, incident)
        ],
        pages=[
            PageOut(
                id=page.id,
                escalation_id=page.escalation_id,
                username=page.username,
                step=page.step + 1,
                round=page.round + 1,
                reason=page.reason,
                status=page.status,
                paged_at=page.paged_at,
                deliveries=deliveries[page.id],
            )
            for page in pages
        ],
    )
