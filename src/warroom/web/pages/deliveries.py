"""Deliveries: the outbox (what was sent to whom through which channel, what failed), dead
letters, and sending a dead or cancelled delivery again."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import RedirectResponse, Response

from warroom.auth.permissions import Permission
from warroom.http.deps import NowDep, SessionDep
from warroom.http.inputs import MAX_INT
from warroom.notify import deliveries
from warroom.notify.models import Channel, DeliveryStatus, Purpose
from warroom.web import access
from warroom.web.paging import paging
from warroom.web.routing import PageRoute
from warroom.web.templating import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE_SIZE = 50


@router.get("/deliveries")
def delivery_list(
    request: Request,
    session: SessionDep,
    caller: access.ReaderPage,
    status: Annotated[list[DeliveryStatus] | None, Query()] = None,
    channel: Annotated[Channel | None, Query()] = None,
    purpose: Annotated[Purpose | None, Query()] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    """Newest first; dead letters: ``?status=dead``."""
    flt = deliveries.DeliveryFilter(tuple(status or ()), channel, purpose)
    rows, total = deliveries.search(session, flt, limit=PAGE_SIZE, offset=offset)
    return render(
        request,
        "deliveries/list.html",
        {
            "rows": [{"delivery": d, "subject": deliveries.subject(d)} for d in rows],
            "refs": deliveries.incident_refs(session, rows),
            "counts": deliveries.status_counts(session),
            "paging": paging(request, total, offset, len(rows), PAGE_SIZE),
            "filters": {
                "status": [s.value for s in status or ()],
                "channel": channel.value if channel else "",
                "purpose": purpose.value if purpose else "",
            },
            "statuses": [s.value for s in DeliveryStatus],
            "channels": [c.value for c in Channel],
            "purposes": [p.value for p in Purpose],
            "retryable": [s.value for s in deliveries.RETRYABLE],
            "can_retry": caller.may(Permission.RESPOND),
        },
    )


@router.post("/deliveries/{delivery_id}/retry")
def retry(
    delivery_id: Annotated[int, Path(ge=1, le=MAX_INT)],
    session: SessionDep,
    now: NowDep,
    _caller: access.ResponderAction,
) -> Response:
    delivery = deliveries.retry(session, delivery_id, now)
    session.commit()
    return RedirectResponse(f"/deliveries#delivery-{delivery.id}", status_code=303)
