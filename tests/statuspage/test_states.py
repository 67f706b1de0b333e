"""A component's state from its open incidents: the severity's impact while triggered or
acknowledged, at most degraded once mitigated, nothing once resolved; the worst one wins."""

from __future__ import annotations

import pytest

from warroom.config import Config
from warroom.config.status_pages import StatusPage
from warroom.incidents.enums import IncidentStatus
from warroom.statuspage.states import (
    ComponentState,
    PublicStatus,
    component_state,
    impact_state,
    incident_state,
    public_status,
)

S = ComponentState
RANKS = Config.default().severity_ranks
PAGE = StatusPage.model_validate(
    {"slug": "shop", "title": "Shop", "components": [{"service": "payments-api"}]}
)


@pytest.mark.parametrize(
    ("severity", "expected"),
    [
        ("SEV1", S.MAJOR_OUTAGE),
        ("SEV2", S.PARTIAL_OUTAGE),
        ("SEV3", S.DEGRADED_PERFORMANCE),
        ("SEV4", S.OPERATIONAL),
        ("SEV9", S.OPERATIONAL),
    ],
)
def test_by_default_the_ladder_rank_sets_the_impact(severity: str, expected: S) -> None:
    assert impact_state(PAGE, severity, RANKS) is expected


def test_a_page_may_map_severities_itself() -> None:
    page = StatusPage.model_validate(
        {**PAGE.model_dump(), "impact": {"SEV1": "partial_outage", "SEV4": "major_outage"}}
    )
    assert impact_state(page, "SEV1", RANKS) is S.PARTIAL_OUTAGE
    assert impact_state(page, "SEV4", RANKS) is S.MAJOR_OUTAGE
    assert impact_state(page, "SEV2", RANKS) is S.OPERATIONAL  # not in the map: not shown


@pytest.mark.parametrize(
    ("impact", "status", "expected"),
    [
        (S.MAJOR_OUTAGE, IncidentStatus.TRIGGERED, S.MAJOR_OUTAGE),
        (S.MAJOR_OUTAGE, IncidentStatus.ACKNOWLEDGED, S.MAJOR_OUTAGE),
        (S.MAJOR_OUTAGE, IncidentStatus.MITIGATED, S.DEGRADED_PERFORMANCE),
        (S.PARTIAL_OUTAGE, IncidentStatus.MITIGATED, S.DEGRADED_PERFORMANCE),
        (S.DEGRADED_PERFORMANCE, IncidentStatus.MITIGATED, S.DEGRADED_PERFORMANCE),
        (S.MAJOR_OUTAGE, IncidentStatus.RESOLVED, S.OPERATIONAL),
        (S.MAJOR_OUTAGE, IncidentStatus.CLOSED, S.OPERATIONAL),
        (S.OPERATIONAL, IncidentStatus.TRIGGERED, S.OPERATIONAL),
        (S.OPERATIONAL, IncidentStatus.MITIGATED, S.OPERATIONAL),
    ],
)
def test_an_incident_shows_its_impact_until_mitigated(
    impact: S, status: IncidentStatus, expected: S
) -> None:
    assert incident_state(impact, status) is expected


def test_the_worst_incident_wins_and_maintenance_shows_only_when_nothing_is_wrong() -> None:
    assert component_state([], in_maintenance=False) is S.OPERATIONAL
    assert component_state([], in_maintenance=True) is S.UNDER_MAINTENANCE
    assert component_state([S.OPERATIONAL], in_maintenance=True) is S.UNDER_MAINTENANCE
    assert (
        component_state([S.DEGRADED_PERFORMANCE, S.MAJOR_OUTAGE, S.PARTIAL_OUTAGE], False)
        is S.MAJOR_OUTAGE
    )
    assert component_state([S.DEGRADED_PERFORMANCE], True) is S.DEGRADED_PERFORMANCE


def test_the_public_reads_investigating_monitoring_or_resolved() -> None:
    assert [public_status(s) for s in IncidentStatus] == [
        PublicStatus.INVESTIGATING,
        PublicStatus.INVESTIGATING,
        PublicStatus.MONITORING,
        PublicStatus.RESOLVED,
        PublicStatus.RESOLVED,
    ]
    assert PublicStatus.MONITORING.label == "Monitoring"
