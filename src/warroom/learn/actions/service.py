"""Creating and changing action items. Every change bumps ``revision`` and (re)schedules
the owner's reminders; the registered ``on_change`` hooks (tracker sync) run in the same
transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.auth.models import User
from warroom.config import Config
from warroom.incidents.models import Incident
from warroom.incidents.people import find_user
from warroom.learn.actions import reminders
from warroom.learn.actions.models import ActionItem, ActionKind, ActionPriority, ActionStatus
from warroom.learn.postmortems.models import ContributingFactor
from warroom.problems import Conflict, InvalidInput, NotFound

MAX_TITLE = 300

ChangeHook = Callable[[Session, Config, ActionItem, datetime], None]
_hooks: list[ChangeHook] = []


def on_change(hook: ChangeHook) -> None:
    """Called by the composition root: ``hook`` runs after every change of an item, in its
    transaction (tracker sync enqueues its outbox write there)."""
    if hook not in _hooks:
        _hooks.append(hook)


@dataclass(frozen=True)
class NewActionItem:
    title: str
    team: str
    due_on: date
    kind: ActionKind
    priority: ActionPriority = ActionPriority.MEDIUM
    owner: str | None = None
    description: str = ""
    factor_id: int | None = None


@dataclass(frozen=True)
class ActionItemChanges:
    """Only the fields given (not None) change; ``clear_owner`` removes the owner."""

    title: str | None = None
    description: str | None = None
    owner: str | None = None
    clear_owner: bool = False
    team: str | None = None
    due_on: date | None = None
    priority: ActionPriority | None = None
    kind: ActionKind | None = None
    factor_id: int | None = None


def _title(title: str) -> str:
    clean = " ".join(title.split())
    if not clean:
        raise InvalidInput("title must not be empty", field="title")
    if len(clean) > MAX_TITLE:
        raise InvalidInput(f"title is longer than {MAX_TITLE} characters", field="title")
    return clean


def _team(config: Config, team: str) -> str:
    if config.team(team) is None:
        raise InvalidInput(f"unknown team '{team}'", field="team")
    return team


def _factor(session: Session, incident_id: int, factor_id: int) -> int:
    factor = session.get(ContributingFactor, factor_id)
    if factor is None or factor.incident_id != incident_id:
        raise InvalidInput(
            f"contributing factor {factor_id} is not one of this incident's", field="factor_id"
        )
    return factor_id


def _changed(session: Session, config: Config, item: ActionItem, now: datetime) -> None:
    item.revision += 1
    item.updated_at = now
    session.flush()
    reminders.schedule_for(session, config, item, now)
    for hook in _hooks:
        hook(session, config, item, now)


def create(
    session: Session,
    config: Config,
    incident: Incident,
    command: NewActionItem,
    now: datetime,
) -> ActionItem:
    if command.due_on < now.date():
        raise InvalidInput(f"due date {command.due_on} is in the past", field="due_on")
    item = ActionItem(
        incident_id=incident.id,
        factor_id=_factor(session, incident.id, command.factor_id) if command.factor_id else None,
        title=_title(command.title),
        description=command.description.strip(),
        owner=find_user(session, command.owner, "owner") if command.owner else None,
        team=_team(config, command.team),
        due_on=command.due_on,
        priority=command.priority,
        kind=command.kind,
        status=ActionStatus.OPEN,
        created_at=now,
        updated_at=now,
        revision=0,
    )
    session.add(item)
    _changed(session, config, item, now)
    return item


def get(session: Session, item_id: int) -> ActionItem:
    item = session.get(ActionItem, item_id)
    if item is None:
        raise NotFound(f"no action item {item_id}", field="item_id")
    return item


def lock(session: Session, item_id: int) -> ActionItem:
    item = session.scalar(
        select(ActionItem).where(ActionItem.id == item_id).with_for_update(of=ActionItem)
    )
    if item is None:
        raise NotFound(f"no action item {item_id}", field="item_id")
    return item


def update(
    session: Session, config: Config, item: ActionItem, changes: ActionItemChanges, now: datetime
) -> ActionItem:
    if changes.title is not None:
        item.title = _title(changes.title)
    if changes.description is not None:
        item.description = changes.description.strip()
    if changes.clear_owner:
        item.owner = None
    elif changes.owner is not None:
        item.owner = find_user(session, changes.owner, "owner")
    if changes.team is not None:
        item.team = _team(config, changes.team)
    if changes.due_on is not None:
        item.due_on = changes.due_on
    if changes.priority is not None:
        item.priority = changes.priority
    if changes.kind is not None:
        item.kind = changes.kind
    if changes.factor_id is not None:
        item.factor_id = _factor(session, item.incident_id, changes.factor_id)
    if session.is_modified(item):
        _changed(session, config, item, now)
    return item


def complete(session: Session, config: Config, item: ActionItem, now: datetime) -> ActionItem:
    if item.status is ActionStatus.DONE:
        return item
    item.status = ActionStatus.DONE
    item.completed_at = now
    _changed(session, config, item, now)
    return item


def reopen(session: Session, config: Config, item: ActionItem, now: datetime) -> ActionItem:
    if item.status is ActionStatus.OPEN:
        return item
    item.status = ActionStatus.OPEN
    item.completed_at = None
    _changed(session, config, item, now)
    return item


def cancel(session: Session, config: Config, item: ActionItem, now: datetime) -> ActionItem:
    if item.status is ActionStatus.DONE:
        raise Conflict("a done item cannot be cancelled; reopen it first", field="status")
    if item.status is ActionStatus.CANCELLED:
        return item
    item.status = ActionStatus.CANCELLED
    item.completed_at = now
    _changed(session, config, item, now)
    return item


@dataclass(frozen=True)
class ItemFilter:
    team: str | None = None
    owner: str | None = None
    status: ActionStatus | None = None
    overdue_on: date | None = None
    """Only open items due before this day."""
    incident_id: int | None = None


def search(
    session: Session, flt: ItemFilter, limit: int = 200, offset: int = 0
) -> list[ActionItem]:
    query = select(ActionItem)
    if flt.team is not None:
        query = query.where(ActionItem.team == flt.team)
    if flt.owner is not None:
        query = query.join(User, User.id == ActionItem.owner_id).where(User.username == flt.owner)
    if flt.status is not None:
        query = query.where(ActionItem.status == flt.status)
    if flt.overdue_on is not None:
        query = query.where(
            ActionItem.status == ActionStatus.OPEN, ActionItem.due_on < flt.overdue_on
        )
    if flt.incident_id is not None:
        query = query.where(ActionItem.incident_id == flt.incident_id)
    query = query.order_by(ActionItem.due_on, ActionItem.id).limit(limit).offset(offset)
    return list(session.scalars(query))
