"""API shapes of SLOs: ratios and budgets are fractions (0.25 = 25%), windows durations."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from warroom.config import format_duration
from warroom.detect.slo.report import SloReport
from warroom.detect.slo.rules import RuleState, Urgency
from warroom.detect.slo.status import BudgetPoint


class BurnRuleOut(BaseModel):
    urgency: Urgency
    windows: str = Field(description="Long/short window, e.g. 1h/5m.")
    factor: float = Field(description="Both burn rates must exceed it to fire.")
    long_burn: float | None
    short_burn: float | None
    firing: bool

    @classmethod
    def of(cls, state: RuleState) -> BurnRuleOut:
        return cls(
            urgency=state.rule.urgency,
            windows=state.rule.windows,
            factor=state.factor,
            long_burn=state.long_burn,
            short_burn=state.short_burn,
            firing=state.firing,
        )


class BudgetPointOut(BaseModel):
    at: datetime
    budget_remaining: float | None
    burn_1h: float | None

    @classmethod
    def of(cls, point: BudgetPoint) -> BudgetPointOut:
        return cls(at=point.at, budget_remaining=point.budget_remaining, burn_1h=point.burn_1h)


class SloOut(BaseModel):
    name: str
    service: str
    team: str | None
    description: str
    target: float
    window: str
    indicator: str = Field(description="promql, sessions or transactions.")
    at: datetime
    error_ratio: float | None = Field(description="Over the whole window; null without data.")
    budget_remaining: float | None = Field(description="1 = untouched, below 0 = overspent.")
    rules: list[BurnRuleOut]
    firing: list[str] = Field(description="Window pairs of the rules firing now.")
    unavailable: str | None = Field(description="Why it could not be evaluated, if so.")
    series: list[BudgetPointOut] = Field(
        default_factory=list, description="Budget remaining and 1h burn over time (one SLO)."
    )

    @classmethod
    def of(cls, found: SloReport, at: datetime) -> SloOut:
        slo, status = found.slo, found.status
        return cls(
            name=slo.name,
            service=slo.service,
            team=found.team,
            description=slo.description,
            target=slo.target,
            window=format_duration(slo.window),
            indicator=slo.indicator.kind,
            at=at,
            error_ratio=status.error_ratio if status else None,
            budget_remaining=status.budget_remaining if status else None,
            rules=[BurnRuleOut.of(s) for s in status.rules] if status else [],
            firing=[s.rule.windows for s in status.firing] if status else [],
            unavailable=found.unavailable,
            series=[BudgetPointOut.of(p) for p in found.series],
        )
