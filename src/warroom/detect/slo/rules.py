"""The multiwindow, multi-burn-rate alert rules of the SRE Workbook ("Alerting on SLOs").

burn rate = error ratio / (1 - target). A rule fires when the burn rate over its long window
**and** over its short window (1/12 of the long one) both exceed its factor, where
factor = budget fraction x SLO period / long window: on a 30-day SLO the four rules below
are 14.4, 6, 3 and 1, exactly the Workbook's table; other periods scale.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum


class Urgency(StrEnum):
    PAGE = "page"
    TICKET = "ticket"


@dataclass(frozen=True, slots=True)
class BurnRule:
    """One row of the table: how urgent, over which windows, at which burn rate."""

    urgency: Urgency
    long: timedelta
    budget_fraction: float

    @property
    def short(self) -> timedelta:
        return self.long / 12

    @property
    def windows(self) -> str:
        """The window pair as a label value, e.g. ``1h/5m``."""
        return f"{_short_text(self.long)}/{_short_text(self.short)}"

    def factor(self, period: timedelta) -> float:
        """The burn rate both windows must exceed, for an SLO over ``period``."""
        return self.budget_fraction * (period / self.long)


RULES: tuple[BurnRule, ...] = (
    BurnRule(Urgency.PAGE, timedelta(hours=1), 0.02),
    BurnRule(Urgency.PAGE, timedelta(hours=6), 0.05),
    BurnRule(Urgency.TICKET, timedelta(days=1), 0.10),
    BurnRule(Urgency.TICKET, timedelta(days=3), 0.10),
)


def burn_rate(error_ratio: float, target: float) -> float:
    """How fast the error budget burns: 1 spends exactly the budget over the SLO period."""
    return error_ratio / (1 - target)


@dataclass(frozen=True, slots=True)
class RuleState:
    """One rule evaluated at one time: both burn rates (None without data) and the verdict."""

    rule: BurnRule
    factor: float
    long_burn: float | None
    short_burn: float | None

    @property
    def firing(self) -> bool:
        return (
            self.long_burn is not None
            and self.short_burn is not None
            and self.long_burn > self.factor
            and self.short_burn > self.factor
        )


def _short_text(window: timedelta) -> str:
    seconds = int(window.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
