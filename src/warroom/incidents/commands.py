"""What the incident services are asked to do, as plain typed commands.

The HTTP schemas (``warroom.incidents.schemas``) convert to these; so do Slack's slash
commands, the CLI and the pipeline. Services never see a pydantic request model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict

from warroom.incidents.enums import DetectionSource

MAX_TITLE = 300


@dataclass(frozen=True)
class DeclareIncident:
    title: str
    team: str
    severity: str | None = None
    """Severity key; None takes ``incident_defaults.severity``."""
    services: Sequence[str] = ()
    summary: str = ""
    impact_started_at: datetime | None = None
    """Defaults to ``detected_at``."""
    detected_at: datetime | None = None
    """Defaults to now."""
    affected_users: int | None = None
    affected_customers: int | None = None
    affected_features: Sequence[str] | None = None
    affected_regions: Sequence[str] | None = None
    revenue_impact: bool | None = None
    detection_source: DetectionSource = DetectionSource.PERSON
    """What found it: signals set theirs, a manual declare says person or customer."""
    drill: bool = False
    """A game-day rehearsal: the title says DRILL and insights leave it out."""


class IncidentChanges(TypedDict, total=False):
    """The fields an edit sets; a key that is absent stays as it is, None clears it (where
    that is allowed)."""

    title: str | None
    summary: str | None
    team: str | None
    services: list[str] | None
    affected_users: int | None
    affected_customers: int | None
    affected_features: list[str] | None
    affected_regions: list[str] | None
    revenue_impact: bool | None
