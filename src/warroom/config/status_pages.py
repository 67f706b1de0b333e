"""Status pages: which services a page shows (as components, with public names and groups),
how an open incident's severity shows on them, and which severities need public updates."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from pydantic import Field, StrictBool

from .base import StrictModel
from .values import NonEmptyStr, SeverityKey, Slug


class Impact(StrEnum):
    """What an open incident of a severity does to the components it affects."""

    NONE = "none"
    DEGRADED_PERFORMANCE = "degraded_performance"
    PARTIAL_OUTAGE = "partial_outage"
    MAJOR_OUTAGE = "major_outage"


DEFAULT_IMPACTS = (Impact.MAJOR_OUTAGE, Impact.PARTIAL_OUTAGE, Impact.DEGRADED_PERFORMANCE)
"""By rank on the severity ladder when ``impact`` is not given: the most severe is a major
outage, the next a partial outage, the third degraded performance; the rest do not show."""
DEFAULT_PUBLIC_UPDATE_RANKS = 2
"""When ``public_updates`` is not given: the two most severe severities (SEV1 and SEV2)."""


class StatusComponent(StrictModel):
    """One service as the page shows it."""

    service: Slug = Field(description="Slug of the service from the catalog.")
    name: NonEmptyStr | None = Field(
        None, description="Name shown to the public; default the service's name."
    )
    group: NonEmptyStr | None = Field(
        None, description="Heading the component is listed under (e.g. Checkout); none: alone."
    )
    description: str = Field("", description="One line for the public about what it is.")


class StatusPage(StrictModel):
    """A status page at /status/<slug>: components, their state from open incidents, the
    comms lead's public updates, maintenance, 90-day uptime, an Atom feed and email
    subscriptions."""

    slug: Slug = Field(description="Identifier and URL path (/status/<slug>); unique.")
    title: NonEmptyStr = Field(description="Heading of the page, e.g. Acme status.")
    public: StrictBool = Field(
        True, description="Whether anyone may read it; false: only signed-in users."
    )
    description: str = Field("", description="A sentence under the title, for the public.")
    components: list[StatusComponent] = Field(
        min_length=1, description="The services shown, in order; each service at most once."
    )
    impact: dict[SeverityKey, Impact] | None = Field(
        None,
        description="Severity -> what an open incident of it shows: major_outage, "
        "partial_outage, degraded_performance or none. Default by rank: the most severe "
        "major_outage, the second partial_outage, the third degraded_performance, the rest none.",
    )
    public_updates: list[SeverityKey] | None = Field(
        None,
        description="Severities whose incidents on this page need a public update on the "
        "severity's update cadence (the update reminder covers them). Default: the two most "
        "severe.",
    )

    def impact_of(self, severity: str, ranks: Mapping[str, int]) -> Impact:
        """``ranks``: severity key -> rank, 0 the most severe."""
        if self.impact is not None:
            return self.impact.get(severity, Impact.NONE)
        rank = ranks.get(severity)
        if rank is None or rank >= len(DEFAULT_IMPACTS):
            return Impact.NONE
        return DEFAULT_IMPACTS[rank]

    def wants_public_updates(self, severity: str, ranks: Mapping[str, int]) -> bool:
        if self.public_updates is not None:
            return severity in self.public_updates
        rank = ranks.get(severity)
        return rank is not None and rank < DEFAULT_PUBLIC_UPDATE_RANKS

    @property
    def services(self) -> list[str]:
        return [component.service for component in self.components]
