"""Learning from incidents: when postmortems are due, the contributing-factor taxonomy, and
how action items are reminded."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, StrictInt, field_validator

from .base import StrictModel
from .hours import Weekday
from .values import Duration, Slug, config_problem, parse_duration

DEFAULT_FACTOR_CATEGORIES = (
    "technical-failure",
    "process-gap",
    "monitoring-blind-spot",
    "deploy-safety",
    "capacity",
    "dependency",
    "configuration",
)


class PostmortemSettings(StrictModel):
    """Postmortems of incidents whose severity says ``postmortem: required``."""

    due_within_working_days: StrictInt = Field(
        5,
        ge=1,
        le=60,
        description="A required postmortem is due this many working days (the owning "
        "team's working days) after the incident is resolved.",
    )
    factor_categories: list[Slug] = Field(
        default_factory=lambda: list(DEFAULT_FACTOR_CATEGORIES),
        min_length=1,
        description="The taxonomy of contributing factors: each factor is tagged with one.",
    )
    recurrence_window: Duration = Field(
        default=parse_duration("90d"),
        description="A contributing factor (same category, tag and service) seen again within "
        "this window while an action item addressing it is still open raises an alert.",
    )

    @field_validator("factor_categories")
    @classmethod
    def _listed_once(cls, categories: list[str]) -> list[str]:
        for position, category in enumerate(categories):
            if category in categories[:position]:
                raise config_problem(f"category '{category}' is listed twice")
        return categories


class ActionItemSettings(StrictModel):
    """Reminders of action items, through the outbox."""

    remind_before: Duration = Field(
        default=timedelta(days=2),
        description="Owners are reminded this long before an item is due.",
    )
    overdue_every: Duration = Field(
        default=timedelta(days=7),
        description="An overdue item reminds its owner again at this interval.",
    )
    digest_day: Weekday = Field(
        Weekday.MON, description="The weekly digest of each team's open and overdue items."
    )
    digest_hour: StrictInt = Field(
        9, ge=0, le=23, description="Hour of the digest, in the team's time zone."
    )
