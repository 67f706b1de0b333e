"""Issue rules with a ``crash_free_below`` condition: which fire for the releases a batch of
sessions touched. A rule fires for a release and environment that pass its filters
(environments, release glob) when the crash-free sessions rate of the sessions started within
the condition's window is below its threshold (and, if ``more_than`` is set, more than that
many sessions started), at most once per its ``interval`` per release and environment."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from fnmatch import fnmatchcase

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.clock import as_utc
from warroom.config import Config
from warroom.config.projects import IssueCondition, IssueConditionKind, IssueRule, Project
from warroom.db.base import table_of
from warroom.db.upsert import upsert
from warroom.errors.health_models import HealthRuleFire
from warroom.errors.sessions import HealthKey, health

PERCENT = 100


@dataclass(frozen=True)
class HealthFiring:
    rule: IssueRule
    condition: IssueCondition
    key: HealthKey
    rate: float
    """Crash-free sessions, percent."""
    sessions: int
    crashed: int
    since: datetime


def crash_free_rules(config: Config, project: Project) -> list[tuple[IssueRule, IssueCondition]]:
    return [
        (rule, condition)
        for rule in config.issue_rules
        if rule.covers(project.slug)
        for condition in rule.conditions
        if condition.kind is IssueConditionKind.CRASH_FREE_BELOW
    ]


def _passes(rule: IssueRule, key: HealthKey) -> bool:
    if rule.environments and key.environment not in rule.environments:
        return False
    return rule.release is None or fnmatchcase(key.release, rule.release)


def _judge(
    session: Session, project: Project, condition: IssueCondition, key: HealthKey, now: datetime
) -> tuple[float, int, int, datetime] | None:
    assert condition.threshold is not None and condition.within is not None
    since = as_utc(now) - condition.within
    rows = health(session, project.id, key.release, key.environment, since)
    started = sum(row.started for row in rows)
    crashed = sum(row.crashed for row in rows)
    if started == 0 or (condition.more_than is not None and started <= condition.more_than):
        return None
    rate = PERCENT * (1 - crashed / started)
    return (rate, started, crashed, since) if rate < condition.threshold else None


def evaluate_health(
    session: Session,
    config: Config,
    project: Project,
    touched: Iterable[HealthKey],
    now: datetime,
) -> list[HealthFiring]:
    """The crash-free rules that fire; their firing times are recorded."""
    rules = crash_free_rules(config, project)
    keys = sorted(touched, key=lambda k: (k.release, k.environment))
    if not rules or not keys:
        return []
    last = {
        (rule, release, environment): at
        for rule, release, environment, at in session.execute(
            select(
                HealthRuleFire.rule,
                HealthRuleFire.release,
                HealthRuleFire.environment,
                HealthRuleFire.fired_at,
            ).where(HealthRuleFire.project_id == project.id)
        )
    }
    firings: list[HealthFiring] = []
    for key in keys:
        fired: set[str] = set()
        for rule, condition in rules:
            if rule.name in fired or not _passes(rule, key):
                continue
            at = last.get((rule.name, key.release, key.environment))
            if at is not None and as_utc(now) - as_utc(at) < rule.interval:
                continue
            judged = _judge(session, project, condition, key, now)
            if judged is not None:
                fired.add(rule.name)
                firings.append(HealthFiring(rule, condition, key, *judged))
    upsert(
        session,
        table_of(HealthRuleFire),
        [
            {
                "rule": f.rule.name,
                "project_id": project.id,
                "release": f.key.release,
                "environment": f.key.environment,
                "fired_at": now,
                "fired": 1,
            }
            for f in firings
        ],
        ("rule", "project_id", "release", "environment"),
        add=("fired",),
        replace=("fired_at",),
    )
    return firings
