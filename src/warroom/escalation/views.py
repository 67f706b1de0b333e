"""What an incident's escalation did: runs, pages and the deliveries of each page."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.escalation.messenger import messenger
from warroom.escalation.models import Page
from warroom.escalation.schemas import EscalationOut, EscalationRunOut, PageDeliveryOut, PageOut
from warroom.escalation.service import runs_of
from warroom.incidents.models import Incident


def escalation_out(session: Session, incident: Incident) -> EscalationOut:
    pages = list(
        session.scalars(
            select(Page).where(Page.incident_id == incident.id).order_by(Page.paged_at, Page.id)
        )
    )
    deliveries = messenger().page_deliveries(session, [page.id for page in pages])
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
                deliveries=[
                    PageDeliveryOut.model_validate(d, from_attributes=True)
                    for d in deliveries.get(page.id, [])
                ],
            )
            for page in pages
        ],
    )
