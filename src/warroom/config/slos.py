"""SLOs: a target for a service's good events, over a window, and where the events come from.

An SLO's indicator is a PromQL ratio evaluated through the metric store (``promql``), the
crash-free sessions of an error-tracking project (``sessions``) or the error rate of its
transactions (``transactions``). Burn-rate alerts follow the SRE Workbook's multiwindow,
multi-burn-rate table (see ``warroom.detect.slo.rules``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal, Self

from pydantic import Field, field_validator, model_validator

from .base import StrictModel
from .values import Duration, NonEmptyStr, SeverityKey, Slug, config_problem, parse_duration

WINDOW_PLACEHOLDERS = ("$window", "{{window}}")
"""Written in a PromQL query where the range of the rate (``[1h]``, ``[5m]``, …) goes."""


class PromqlIndicator(StrictModel):
    """Error ratio from PromQL: ``ratio`` alone, or ``total`` with ``errors`` or ``good``.
    Each query is summed over the series it returns; write ``$window`` (or ``{{window}}``)
    where the rate range goes, e.g. ``sum(rate(http_requests_total{code=~"5.."}[$window]))``."""

    kind: Literal["promql"] = Field(description="A ratio of PromQL queries.")
    errors: NonEmptyStr | None = Field(None, description="Bad events per second over $window.")
    good: NonEmptyStr | None = Field(None, description="Good events per second over $window.")
    total: NonEmptyStr | None = Field(None, description="All events per second over $window.")
    ratio: NonEmptyStr | None = Field(
        None, description="The error ratio (0-1) over $window, as one query."
    )

    @model_validator(mode="after")
    def _one_shape(self) -> Self:
        if self.ratio is not None:
            if self.errors or self.good or self.total:
                raise config_problem("give either ratio alone, or total with errors or good")
        elif self.total is None or (self.errors is None) == (self.good is None):
            raise config_problem("give either ratio alone, or total with errors or good")
        for query in (self.errors, self.good, self.total, self.ratio):
            if query is not None and not any(p in query for p in WINDOW_PLACEHOLDERS):
                raise config_problem(
                    f"query {query!r} has no $window (or {{{{window}}}}) placeholder"
                )
        return self


class SessionsIndicator(StrictModel):
    """Crash-free sessions of an error-tracking project: a crashed session is a bad event."""

    kind: Literal["sessions"] = Field(description="Crash-free sessions of a project.")
    project: Slug = Field(description="Slug of the error-tracking project.")
    environment: NonEmptyStr | None = Field(None, description="Only this environment.")


class TransactionsIndicator(StrictModel):
    """Error rate of a project's transactions: a transaction that failed is a bad event."""

    kind: Literal["transactions"] = Field(description="Transactions of a project.")
    project: Slug = Field(description="Slug of the error-tracking project.")
    transaction: NonEmptyStr | None = Field(None, description="Only this transaction name.")


Indicator = Annotated[
    PromqlIndicator | SessionsIndicator | TransactionsIndicator, Field(discriminator="kind")
]


class Slo(StrictModel):
    """A service level objective and its burn-rate alerts."""

    name: Slug = Field(description="Unique name, e.g. checkout-availability.")
    service: Slug = Field(description="Slug of the service it measures.")
    team: Slug | None = Field(None, description="Owning team; default the service's team.")
    description: str = Field("", description="What the SLO promises, for responders.")
    target: float = Field(gt=0, lt=1, description="Fraction of good events promised, e.g. 0.999.")
    window: Duration = Field(
        default=parse_duration("30d"),
        description="The SLO period the error budget is counted over, e.g. 30d or 28d.",
    )
    indicator: Indicator = Field(description="Where good and bad events are counted.")
    page_severity: SeverityKey | None = Field(
        None, description="Incident severity of the page alerts; default SEV2."
    )
    ticket_severity: SeverityKey | None = Field(
        None, description="Incident severity of the ticket alerts; default SEV3."
    )

    @field_validator("window")
    @classmethod
    def _window_fits(cls, window: timedelta) -> timedelta:
        if window < timedelta(days=3):
            raise config_problem("must be at least 3d (the longest alert window)")
        return window
