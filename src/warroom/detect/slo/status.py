"""An SLO at one time: error budget remaining, burn rate per alert rule, what fires."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from warroom.config.slos import Slo
from warroom.detect.slo.indicators import ErrorRatio
from warroom.detect.slo.rules import RULES, RuleState, burn_rate


@dataclass(frozen=True, slots=True)
class SloStatus:
    slo: Slo
    at: datetime
    error_ratio: float | None
    """Over the whole SLO window."""
    rules: tuple[RuleState, ...]

    @property
    def budget_consumed(self) -> float | None:
        """Fraction of the window's error budget spent (1 = all of it, above 1 = overspent)."""
        if self.error_ratio is None:
            return None
        return burn_rate(self.error_ratio, self.slo.target)

    @property
    def budget_remaining(self) -> float | None:
        consumed = self.budget_consumed
        return None if consumed is None else 1 - consumed

    @property
    def firing(self) -> tuple[RuleState, ...]:
        return tuple(state for state in self.rules if state.firing)


def _burn(ratios: ErrorRatio, slo: Slo, window: timedelta, at: datetime) -> float | None:
    ratio = ratios.ratio(window, at)
    return None if ratio is None else burn_rate(ratio, slo.target)


def evaluate(slo: Slo, ratios: ErrorRatio, at: datetime) -> SloStatus:
    """Every rule of the table, and the budget, at ``at``."""
    states = tuple(
        RuleState(
            rule,
            rule.factor(slo.window),
            _burn(ratios, slo, rule.long, at),
            _burn(ratios, slo, rule.short, at),
        )
        for rule in RULES
    )
    return SloStatus(slo, at, ratios.ratio(slo.window, at), states)


@dataclass(frozen=True, slots=True)
class BudgetPoint:
    at: datetime
    budget_remaining: float | None
    burn_1h: float | None


def budget_series(
    slo: Slo, ratios: ErrorRatio, end: datetime, span: timedelta, points: int = 120
) -> list[BudgetPoint]:
    """Budget remaining (rolling SLO window) and the 1-hour burn rate at ``points`` times
    evenly spread over ``span`` up to ``end``."""
    step = span / max(points - 1, 1)
    found = []
    for index in range(points):
        at = end - step * (points - 1 - index)
        ratio = ratios.ratio(slo.window, at)
        found.append(
            BudgetPoint(
                at,
                None if ratio is None else 1 - burn_rate(ratio, slo.target),
                _burn(ratios, slo, timedelta(hours=1), at),
            )
        )
    return found
