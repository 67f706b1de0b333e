"""Game days: drill scenarios injected through the real intake paths, and their targets."""

from __future__ import annotations

import re
from datetime import time
from enum import StrEnum

from pydantic import Field, field_validator

from .base import StrictModel
from .hours import Weekday
from .values import Duration, NonEmptyStr, Slug, config_problem, parse_duration

MAX_DRILL_LABELS = 20
CLOCK_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class DrillKind(StrEnum):
    """How a drill injects its scenario."""

    ALERTMANAGER = "alertmanager"
    """An Alertmanager webhook POST to the integration's endpoint."""
    PAGERDUTY = "pagerduty"
    """A PagerDuty Events API v2 trigger event with the integration's routing key."""
    SENTRY = "sentry"
    """A Sentry error event to the project's store endpoint with its DSN key."""
    HEARTBEAT = "heartbeat"
    """A missed beat of a heartbeat integration (the detector's own signal)."""


class DrillTargets(StrictModel):
    """How fast the team should be; a measure with no target here takes the default."""

    detect: Duration | None = Field(
        None, description="Injection to incident opened. Default: drills.detect_within."
    )
    acknowledge: Duration | None = Field(
        None,
        description="Incident opened to acknowledged. Default: the first wait of the team's "
        "escalation policy (when the page would go further), else drills.acknowledge_within.",
    )
    first_update: Duration | None = Field(
        None,
        description="Incident opened to its first status update. Default: "
        "incident_defaults.first_update_within.",
    )


class DrillSlot(StrictModel):
    """A weekly slot in the team's time zone."""

    day: Weekday = Field(description="Day of the week: mon, tue, ...")
    at: NonEmptyStr = Field(description="Local time, HH:MM (24h), in the team's time zone.")

    @field_validator("at")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        if CLOCK_TIME.match(value) is None:
            raise config_problem(f"'{value}' is not a time of day like 14:30")
        return value

    @property
    def local_time(self) -> time:
        hours, minutes = self.at.split(":")
        return time(int(hours), int(minutes))


class DrillScenario(StrictModel):
    """One rehearsal: what is injected, where, for which team, and what is expected."""

    name: Slug = Field(description="Identifier, unique across scenarios.")
    team: Slug = Field(description="The team that is drilled (slug); the signal is routed to it.")
    kind: DrillKind = Field(description="alertmanager, pagerduty, sentry or heartbeat.")
    integration: Slug | None = Field(
        None,
        description="The integration (slug) the drill goes through: an alertmanager, "
        "pagerduty or heartbeat integration, matching kind.",
    )
    project: Slug | None = Field(
        None, description="For kind sentry: the error-tracking project (slug)."
    )
    title: NonEmptyStr = Field(
        description="The alert's name and summary, the event's summary or the error message."
    )
    labels: dict[Slug, str] = Field(
        default_factory=dict,
        max_length=MAX_DRILL_LABELS,
        description="Alert labels (alertmanager), custom details (pagerduty) or tags (sentry).",
    )
    signal_severity: NonEmptyStr = Field(
        "critical",
        description="The severity the signal carries: the alert's severity label, the "
        "event's payload.severity (critical, error, warning, info) or the error's level.",
    )
    expect_severity: NonEmptyStr = Field(
        description="The incident severity the drill expects routing to give (a severity key)."
    )
    targets: DrillTargets = Field(
        default_factory=DrillTargets, description="Targets of this scenario's measures."
    )
    schedule: DrillSlot | None = Field(
        None, description="Run every week at this slot (team's time zone); none: ad hoc only."
    )


class DrillSettings(StrictModel):
    """Game days: scenarios and the defaults of their measures."""

    timeout: Duration = Field(
        default=parse_duration("1h"),
        description="A run ends when its incident resolves, or this long after injection; "
        "then it is scored. Default 1h.",
    )
    detect_within: Duration = Field(
        default=parse_duration("2m"),
        description="Default target from injection to incident opened. Default 2m.",
    )
    acknowledge_within: Duration = Field(
        default=parse_duration("5m"),
        description="Default target from incident opened to acknowledged when the team's "
        "escalation policy has no wait step. Default 5m.",
    )
    scenarios: list[DrillScenario] = Field(
        default_factory=list, description="The drill scenarios, each with a unique name."
    )
