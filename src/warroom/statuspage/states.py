"""A component's state from the open incidents that affect its service.

An open incident affects a component with its severity's impact (the page's ``impact`` map;
by default SEV1 a major outage, SEV2 a partial outage, SEV3 degraded performance, SEV4 not
shown) while it is triggered or acknowledged; once mitigated, with degraded performance at
most (the fix is in and being watched); once resolved, not at all. A component takes the
worst state of its incidents; with none, it is under maintenance while a maintenance window
of its service is active, else operational.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum

from warroom.config.status_pages import Impact, StatusPage
from warroom.incidents.enums import IncidentStatus


class ComponentState(StrEnum):
    OPERATIONAL = "operational"
    UNDER_MAINTENANCE = "under_maintenance"
    DEGRADED_PERFORMANCE = "degraded_performance"
    PARTIAL_OUTAGE = "partial_outage"
    MAJOR_OUTAGE = "major_outage"

    @property
    def rank(self) -> int:
        """Higher is worse."""
        return _ORDER.index(self)

    @property
    def label(self) -> str:
        return LABELS[self]


_ORDER = list(ComponentState)
LABELS = {
    ComponentState.OPERATIONAL: "Operational",
    ComponentState.UNDER_MAINTENANCE: "Under maintenance",
    ComponentState.DEGRADED_PERFORMANCE: "Degraded performance",
    ComponentState.PARTIAL_OUTAGE: "Partial outage",
    ComponentState.MAJOR_OUTAGE: "Major outage",
}
HEADLINES = {
    ComponentState.OPERATIONAL: "All systems operational",
    ComponentState.UNDER_MAINTENANCE: "Maintenance in progress",
    ComponentState.DEGRADED_PERFORMANCE: "Degraded performance",
    ComponentState.PARTIAL_OUTAGE: "Partial outage",
    ComponentState.MAJOR_OUTAGE: "Major outage",
}
"""The banner over the page, from the worst component state."""

IMPACT_STATES = {
    Impact.DEGRADED_PERFORMANCE: ComponentState.DEGRADED_PERFORMANCE,
    Impact.PARTIAL_OUTAGE: ComponentState.PARTIAL_OUTAGE,
    Impact.MAJOR_OUTAGE: ComponentState.MAJOR_OUTAGE,
}

OPEN = (IncidentStatus.TRIGGERED, IncidentStatus.ACKNOWLEDGED, IncidentStatus.MITIGATED)


class PublicStatus(StrEnum):
    """What the public reads about an incident or an update (Statuspage's words)."""

    INVESTIGATING = "investigating"
    MONITORING = "monitoring"
    RESOLVED = "resolved"

    @property
    def label(self) -> str:
        return self.value.capitalize()


def public_status(status: IncidentStatus) -> PublicStatus:
    """Triggered and acknowledged: investigating; mitigated: monitoring; resolved and
    closed: resolved."""
    if status is IncidentStatus.MITIGATED:
        return PublicStatus.MONITORING
    if status in (IncidentStatus.RESOLVED, IncidentStatus.CLOSED):
        return PublicStatus.RESOLVED
    return PublicStatus.INVESTIGATING


def impact_state(page: StatusPage, severity: str, ranks: Mapping[str, int]) -> ComponentState:
    """What an incident of ``severity`` does to a component at its worst (operational: it
    does not show on this page)."""
    return IMPACT_STATES.get(page.impact_of(severity, ranks), ComponentState.OPERATIONAL)


def incident_state(impact: ComponentState, status: IncidentStatus) -> ComponentState:
    """An incident's effect now: its impact while triggered or acknowledged, at most
    degraded performance once mitigated, nothing once resolved."""
    if status not in OPEN:
        return ComponentState.OPERATIONAL
    if status is IncidentStatus.MITIGATED:
        return min(impact, ComponentState.DEGRADED_PERFORMANCE, key=lambda s: s.rank)
    return impact


def worst(states: Iterable[ComponentState]) -> ComponentState:
    return max(states, key=lambda s: s.rank, default=ComponentState.OPERATIONAL)


def component_state(incidents: Iterable[ComponentState], in_maintenance: bool) -> ComponentState:
    """The worst of the incidents' states; under maintenance if none and a window is on."""
    state = worst(incidents)
    if state is ComponentState.OPERATIONAL and in_maintenance:
        return ComponentState.UNDER_MAINTENANCE
    return state
