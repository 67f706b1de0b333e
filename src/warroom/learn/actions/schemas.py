"""API shapes of action items."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from warroom.http.inputs import MAX_INT
from warroom.incidents.schemas import SLUG, Person, Strict, Title
from warroom.learn.actions.models import ActionKind, ActionPriority, ActionStatus
from warroom.learn.actions.service import ActionItemChanges, NewActionItem


class ActionItemCreate(Strict):
    title: Title
    team: str = Field(pattern=SLUG, max_length=64)
    due_on: date
    kind: ActionKind
    priority: ActionPriority = ActionPriority.MEDIUM
    owner: str | None = Field(None, min_length=1, max_length=64, description="Username.")
    description: str = Field("", max_length=10_000)
    factor_id: int | None = Field(
        None, ge=1, le=MAX_INT, description="The contributing factor of this incident it addresses."
    )

    def command(self) -> NewActionItem:
        return NewActionItem(**self.model_dump())


class ActionItemPatch(Strict):
    title: Title | None = None
    team: str | None = Field(None, pattern=SLUG, max_length=64)
    due_on: date | None = None
    kind: ActionKind | None = None
    priority: ActionPriority | None = None
    owner: str | None = Field(None, max_length=64, description='Username; "" removes the owner.')
    description: str | None = Field(None, max_length=10_000)
    factor_id: int | None = Field(None, ge=1, le=MAX_INT)

    def changes(self) -> ActionItemChanges:
        data = self.model_dump(exclude_unset=True, exclude_none=True)
        owner = data.pop("owner", None)
        return ActionItemChanges(
            **data,
            owner=owner or None,
            clear_owner=owner == "",
        )


class ActionItemOut(BaseModel):
    id: int
    incident: str
    title: str
    description: str
    owner: Person | None
    team: str
    due_on: date
    priority: ActionPriority
    kind: ActionKind
    status: ActionStatus
    overdue: bool
    factor_id: int | None
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    nudge: str | None = Field(
        description="Advice when the item reads as vague (no measurable outcome); never a refusal."
    )
