"""REST routes of action items: /api/v1/action-items and /api/v1/incidents/{ref}/action-items."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.http.deps import ConfigDep, NowDep, SessionDep, UserDep, WriterDep
from warroom.http.documented import conflict
from warroom.http.inputs import MAX_INT
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident
from warroom.incidents.views import person
from warroom.learn.actions import service, vague
from warroom.learn.actions.models import ActionItem, ActionStatus
from warroom.learn.actions.schemas import ActionItemCreate, ActionItemOut, ActionItemPatch

router = APIRouter(prefix="/api/v1", tags=["action items"])
ItemId = Annotated[int, Path(ge=1, le=MAX_INT)]
MAX_LIST = 500


def item_out(item: ActionItem, ref: str, today_iso: str) -> ActionItemOut:
    return ActionItemOut(
        id=item.id,
        incident=ref,
        title=item.title,
        description=item.description,
        owner=person(item.owner) if item.owner is not None else None,
        team=item.team,
        due_on=item.due_on,
        priority=item.priority,
        kind=item.kind,
        status=item.status,
        overdue=item.status is ActionStatus.OPEN and item.due_on.isoformat() < today_iso,
        factor_id=item.factor_id,
        created_at=item.created_at,
        updated_at=item.updated_at,
        completed_at=item.completed_at,
        nudge=vague.nudge(item.title, item.description),
    )


def _refs(session: Session, items: list[ActionItem]) -> dict[int, str]:
    ids = {item.incident_id for item in items}
    return {i.id: i.ref for i in session.scalars(select(Incident).where(Incident.id.in_(ids)))}


def _one(session: Session, item: ActionItem, today: str) -> ActionItemOut:
    return item_out(item, _refs(session, [item])[item.incident_id], today)


@router.get("/action-items", response_model=list[ActionItemOut])
def list_items(
    session: SessionDep,
    _user: UserDep,
    now: NowDep,
    team: Annotated[str | None, Query(max_length=64)] = None,
    owner: Annotated[str | None, Query(max_length=64)] = None,
    status_: Annotated[ActionStatus | None, Query(alias="status")] = None,
    overdue: Annotated[bool, Query(description="only open items past their due date")] = False,
    incident: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIST)] = 200,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[ActionItemOut]:
    incident_id = incidents.get(session, incident).id if incident else None
    items = service.search(
        session,
        service.ItemFilter(
            team=team,
            owner=owner,
            status=status_,
            overdue_on=now.date() if overdue else None,
            incident_id=incident_id,
        ),
        limit,
        offset,
    )
    refs = _refs(session, items)
    today = now.date().isoformat()
    return [item_out(item, refs[item.incident_id], today) for item in items]


@router.post(
    "/incidents/{ref}/action-items",
    response_model=ActionItemOut,
    status_code=status.HTTP_201_CREATED,
)
def create_item(
    ref: str,
    body: ActionItemCreate,
    request: Request,
    session: SessionDep,
    config: ConfigDep,
    _user: WriterDep,
    now: NowDep,
) -> ActionItemOut:
    incident = incidents.get(session, ref)
    request.state.incident = incident.ref
    item = service.create(session, config, incident, body.command(), now)
    session.commit()
    return item_out(item, incident.ref, now.date().isoformat())


@router.get("/action-items/{item_id}", response_model=ActionItemOut)
def get_item(item_id: ItemId, session: SessionDep, _user: UserDep, now: NowDep) -> ActionItemOut:
    return _one(session, service.get(session, item_id), now.date().isoformat())


@router.patch("/action-items/{item_id}", response_model=ActionItemOut)
def update_item(
    item_id: ItemId,
    body: ActionItemPatch,
    session: SessionDep,
    config: ConfigDep,
    _user: WriterDep,
    now: NowDep,
) -> ActionItemOut:
    item = service.lock(session, item_id)
    service.update(session, config, item, body.changes(), now)
    session.commit()
    return _one(session, item, now.date().isoformat())


@router.post("/action-items/{item_id}/complete", response_model=ActionItemOut)
def complete_item(
    item_id: ItemId, session: SessionDep, config: ConfigDep, _user: WriterDep, now: NowDep
) -> ActionItemOut:
    item = service.complete(session, config, service.lock(session, item_id), now)
    session.commit()
    return _one(session, item, now.date().isoformat())


@router.post("/action-items/{item_id}/reopen", response_model=ActionItemOut)
def reopen_item(
    item_id: ItemId, session: SessionDep, config: ConfigDep, _user: WriterDep, now: NowDep
) -> ActionItemOut:
    item = service.reopen(session, config, service.lock(session, item_id), now)
    session.commit()
    return _one(session, item, now.date().isoformat())


@router.post(
    "/action-items/{item_id}/cancel",
    response_model=ActionItemOut,
    responses=conflict("A done item cannot be cancelled; reopen it first."),
)
def cancel_item(
    item_id: ItemId, session: SessionDep, config: ConfigDep, _user: WriterDep, now: NowDep
) -> ActionItemOut:
    item = service.cancel(session, config, service.lock(session, item_id), now)
    session.commit()
    return _one(session, item, now.date().isoformat())
