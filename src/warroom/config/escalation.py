"""Escalation policies: who is paged, in which order, and what happens when nobody answers."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, StrictBool, StrictInt, model_validator

from .base import StrictModel
from .people import Username
from .values import Duration, NonEmptyStr, Slug, config_problem


class EscalationStep(StrictModel):
    """One step, exactly one of: page the on-call of a schedule, page people, post to the
    team's channels, or wait."""

    notify_on_call: Slug | None = Field(
        None, description="Page whoever is on call in this schedule (slug)."
    )
    notify_users: list[Username] | None = Field(
        None, min_length=1, description="Page these people (usernames)."
    )
    notify_team_channel: StrictBool | None = Field(
        None, description="Post to the owning team's channels (true)."
    )
    wait: Duration | None = Field(
        None, description="Wait this long for an acknowledgement before the next step."
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> EscalationStep:
        given = [
            name
            for name in ("notify_on_call", "notify_users", "notify_team_channel", "wait")
            if getattr(self, name) is not None
        ]
        if len(given) != 1:
            raise config_problem(
                "a step is exactly one of notify_on_call, notify_users, notify_team_channel "
                f"or wait (given: {', '.join(given) or 'none'})"
            )
        if self.notify_team_channel is False:
            raise config_problem("notify_team_channel: write true, or leave the step out")
        if self.wait is not None and self.wait <= timedelta(0):
            raise config_problem("wait must be longer than 0s")
        return self


class EscalationPolicy(StrictModel):
    """Ordered steps run until someone acknowledges, repeated, then a final fallback."""

    slug: Slug = Field(description="Identifier, unique across policies.")
    name: NonEmptyStr = Field(description="Human name.")
    steps: list[EscalationStep] = Field(min_length=1, description="The steps, in order.")
    repeat: StrictInt = Field(
        0, ge=0, le=10, description="How many times to run the steps again when nobody acked."
    )
    final: list[Username] = Field(
        default_factory=list,
        description="Paged once after the last repeat, e.g. the team lead.",
    )
    ack_timeout: Duration | None = Field(
        None,
        description="An acknowledged incident untouched this long escalates again (as "
        "PagerDuty's acknowledgement timeout). None: never.",
    )
