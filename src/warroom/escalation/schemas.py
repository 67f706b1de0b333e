"""API shapes of escalation: reassigning an incident, and what its escalation did."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from warroom.config.people import USERNAME_PATTERN
from warroom.escalation.models import EscalationState, PageStatus
from warroom.escalation.reassign import Reassign
from warroom.incidents.schemas import SLUG, Strict


class ReassignRequest(Strict):
    """Exactly one of ``user`` and ``policy``."""

    user: str | None = Field(
        None, pattern=USERNAME_PATTERN, description="Page this person (a configured person)."
    )
    policy: str | None = Field(
        None, pattern=SLUG, max_length=63, description="Run this escalation policy instead."
    )
    reason: str | None = Field(None, max_length=2000, description="Why; on the timeline.")

    def command(self) -> Reassign:
        return Reassign(user=self.user, policy=self.policy, reason=self.reason)


class PageDeliveryOut(BaseModel):
    id: int
    channel: str
    target: str
    status: str
    attempts: int
    due_at: datetime
    delivered_at: datetime | None
    last_error: str | None


class PageOut(BaseModel):
    id: int
    escalation_id: int
    username: str
    step: int = Field(description="1-based step of the policy (past the last: final fallback).")
    round: int = Field(description="1-based round (repeats add rounds).")
    reason: str = Field(description="Why this person was paged, e.g. on call in a schedule.")
    status: PageStatus
    paged_at: datetime
    deliveries: list[PageDeliveryOut]


class EscalationRunOut(BaseModel):
    id: int
    policy: str | None
    state: EscalationState
    step: int = Field(description="1-based step the run is at (the next to run while active).")
    round: int
    reason: str
    started_at: datetime
    updated_at: datetime
    next_at: datetime | None = Field(description="When the next step runs (active, deferred).")
    snapshot: dict[str, Any] = Field(description="The policy as it was when the run started.")


class EscalationOut(BaseModel):
    incident: str
    runs: list[EscalationRunOut]
    pages: list[PageOut]
