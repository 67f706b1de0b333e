"""API shapes for users and tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from warroom.auth.models import UserRole
from warroom.http.inputs import reject_nul

USERNAME = r"^[a-z0-9][a-z0-9._-]{0,63}$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return reject_nul(value)


class UserCreate(Strict):
    username: str = Field(pattern=USERNAME)
    email: str | None = Field(None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    display_name: str | None = Field(None, max_length=128)
    role: UserRole = UserRole.RESPONDER


class UserOut(BaseModel):
    id: int
    username: str
    email: str | None
    display_name: str | None
    role: UserRole
    created_at: datetime


class TokenCreate(Strict):
    name: str = Field(min_length=1, max_length=128)
    role: UserRole | None = Field(
        None, description="At most the owner's role; default: the owner's role at each use."
    )
    team: str | None = Field(
        None,
        pattern=r"^[a-z0-9][a-z0-9-]*$",
        max_length=64,
        description="Team scope: the token manages only this team's schedules.",
    )


class TokenOut(BaseModel):
    id: int
    user: str
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    role: UserRole | None = Field(description="The token's role cap (null: the owner's role).")
    team: str | None = Field(description="The token's team scope (null: the owner's teams).")


class TokenCreated(TokenOut):
    token: str = Field(description="The secret; shown once, store it now.")
