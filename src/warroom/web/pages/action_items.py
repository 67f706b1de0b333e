"""Action items across incidents: per team, owner and status, overdue first; done,
reopen and cancel from the list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from sqlalchemy import select
from starlette.responses import RedirectResponse, Response

from warroom.auth.permissions import Permission
from warroom.http.deps import ConfigDep, NowDep, SessionDep
from warroom.http.inputs import MAX_INT
from warroom.incidents.models import Incident
from warroom.learn.actions import service, vague
from warroom.learn.actions.models import ActionStatus
from warroom.web import access
from warroom.web.routing import PageRoute
from warroom.web.templating import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/actions")
def action_item_list(
    request: Request,
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    caller: access.ReaderPage,
    team: Annotated[str, Query(max_length=64)] = "",
    owner: Annotated[str, Query(max_length=64)] = "",
    status: Annotated[ActionStatus | None, Query()] = ActionStatus.OPEN,
    overdue: Annotated[bool, Query()] = False,
    incident: Annotated[str, Query(max_length=32)] = "",
) -> Response:
    incident_id = None
    if incident:
        number = incident.upper().removeprefix("INC-")
        found = (
            session.scalar(select(Incident.id).where(Incident.number == int(number)))
            if number.isdecimal() and number.isascii() and int(number) <= MAX_INT
            else None
        )
        incident_id = found if found is not None else -1
    items = service.search(
        session,
        service.ItemFilter(
            team=team or None,
            owner=owner or None,
            status=status,
            overdue_on=now.date() if overdue else None,
            incident_id=incident_id,
        ),
    )
    ids = {i.incident_id for i in items}
    refs = {i.id: i.ref for i in session.scalars(select(Incident).where(Incident.id.in_(ids)))}
    today = now.date()
    return render(
        request,
        "postmortems/actions.html",
        {
            "rows": [
                {
                    "item": i,
                    "ref": refs.get(i.incident_id, "?"),
                    "overdue": i.status is ActionStatus.OPEN and i.due_on < today,
                    "nudge": vague.nudge(i.title, i.description),
                }
                for i in items
            ],
            "filters": {
                "team": team,
                "owner": owner,
                "status": status.value if status else "",
                "overdue": overdue,
                "incident": incident,
            },
            "teams": [t.slug for t in config.teams],
            "statuses": [s.value for s in ActionStatus],
            "can_act": caller.may(Permission.RESPOND),
        },
    )


@router.post("/actions/{item_id}/{step}")
def change(
    item_id: Annotated[int, Path(ge=1, le=MAX_INT)],
    step: Annotated[str, Path(pattern="^(complete|reopen|cancel)$")],
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    _caller: access.ResponderAction,
) -> Response:
    item = service.lock(session, item_id)
    {"complete": service.complete, "reopen": service.reopen, "cancel": service.cancel}[step](
        session, config, item, now
    )
    session.commit()
    return RedirectResponse(f"/actions?team={item.team}", status_code=303)
