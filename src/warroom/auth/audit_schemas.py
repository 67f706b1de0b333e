"""API shapes of the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from warroom.auth.audit_models import AuditAction


class AuditEntryOut(BaseModel):
    id: int
    at: datetime
    actor: str | None = Field(description="The username; null for an operator's CLI.")
    actor_via: str = Field(
        description="How the actor reached warroom: session, token:<prefix>, link, slack, cli."
    )
    address: str | None = Field(description="The client's IP address (user@host for the CLI).")
    action: AuditAction
    object_type: str = Field(description="incident, silence, user, api_token, … (docs/audit.md)")
    object_id: str = Field(description="INC-12 for incidents, the username for users, else the id.")
    summary: str
    before: dict[str, Any] | None = Field(
        description="Old values of the changed columns (all columns for a delete)."
    )
    after: dict[str, Any] | None = Field(
        description="New values of the changed columns (all columns for a create)."
    )
    request_id: str | None = Field(description="The request's X-Request-Id.")


class AuditPage(BaseModel):
    items: list[AuditEntryOut] = Field(description="Newest first.")
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next (older) page; null on the last page."
    )
