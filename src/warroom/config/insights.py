"""Insights: how incident load is weighed and when alerts count as noise."""

from __future__ import annotations

from pydantic import Field, NonNegativeFloat, PositiveInt

from .base import StrictModel
from .values import Duration, parse_duration

DEFAULT_SEVERITY_WEIGHTS = {"SEV1": 100.0, "SEV2": 10.0, "SEV3": 1.0, "SEV4": 0.1}
"""The seeds' "one SEV-1 weighs as much as a hundred SEV-3s", one decade per step."""


class InsightsSettings(StrictModel):
    """How the insights pages weigh incidents and judge alerts."""

    severity_weights: dict[str, NonNegativeFloat] = Field(
        default_factory=lambda: dict(DEFAULT_SEVERITY_WEIGHTS),
        description="Weight of one incident of each severity in the weighted load. Default "
        "SEV1 100, SEV2 10, SEV3 1, SEV4 0.1 (SEV-1 = 100 x SEV-3); a severity not listed "
        "weighs 0.",
    )
    auto_resolve_within: Duration = Field(
        default=parse_duration("5m"),
        description="An alert that resolves on its own (never acknowledged) within this long "
        "of starting counts as auto-resolved noise. Default 5m.",
    )
    noise_min_fires: PositiveInt = Field(
        5,
        description="An alert needs at least this many fires in the window before the noise "
        "report suggests tuning it. Default 5.",
    )
