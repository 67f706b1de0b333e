"""Issue rules: which rules fire for what a batch did to an issue.

A rule fires when any of its conditions holds (a new issue, a regression, more than N events
or N distinct users within a window, escalating) for an event that passes its filters
(level, environment, release, tags, issue age), while the issue is unresolved, and at most
once per its ``interval`` per issue. The new-issue condition looks at the issue's first
event, the regression condition at the event that reopened it, the others at every event of
the batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from fnmatch import fnmatchcase

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.clock import as_utc
from warroom.config import Config
from warroom.config.projects import IssueCondition, IssueConditionKind, IssueRule, level_rank
from warroom.db.base import table_of
from warroom.db.upsert import upsert
from warroom.errors.escalating import is_escalating
from warroom.errors.events import PreparedEvent
from warroom.errors.issues import IssueTouch, events_within, users_within
from warroom.errors.models import IssueRuleFire, IssueStatus
from warroom.matchers import match_all


@dataclass(frozen=True)
class Firing:
    touch: IssueTouch
    rule: IssueRule
    reason: str
    event: PreparedEvent


def passes(rule: IssueRule, touch: IssueTouch, event: PreparedEvent, now: datetime) -> bool:
    if rule.level is not None and level_rank(event.level) < level_rank(rule.level):
        return False
    if rule.environments and event.environment not in rule.environments:
        return False
    if rule.release is not None and not fnmatchcase(event.release or "", rule.release):
        return False
    if rule.tags and not match_all(rule.tag_matchers, dict(event.tags)):
        return False
    age = as_utc(now) - as_utc(touch.issue.first_seen)
    if rule.older_than is not None and age < rule.older_than:
        return False
    return not (rule.newer_than is not None and age > rule.newer_than)


class Judge:
    """Conditions over one batch; counts over windows are asked once per issue and window."""

    def __init__(self, session: Session, now: datetime) -> None:
        self.session, self.now = session, now
        self._escalating: dict[int, bool] = {}

    def escalating(self, touch: IssueTouch) -> bool:
        issue = touch.issue
        if issue.id not in self._escalating:
            self._escalating[issue.id] = is_escalating(self.session, issue, self.now)
        return self._escalating[issue.id]

    def holds(self, condition: IssueCondition, touch: IssueTouch) -> str | None:
        """Why ``condition`` holds for the issue, or None."""
        issue, kind = touch.issue, condition.kind
        if kind is IssueConditionKind.NEW_ISSUE:
            return "a new issue" if touch.new else None
        if kind is IssueConditionKind.REGRESSION:
            return "a regression" if touch.regressed else None
        if kind is IssueConditionKind.ESCALATING:
            return "escalating" if self.escalating(touch) else None
        assert condition.more_than is not None and condition.within is not None
        since = as_utc(self.now) - condition.within
        window = condition.within
        if kind is IssueConditionKind.EVENTS:
            if issue.times_seen <= condition.more_than:
                return None
            count = events_within(self.session, issue.id, since)
            what = "events"
        else:
            if issue.users_seen <= condition.more_than:
                return None
            count = users_within(self.session, issue.id, since)
            what = "users"
        if count <= condition.more_than:
            return None
        return f"{count} {what} within {window} (more than {condition.more_than})"


def _candidates(condition: IssueCondition, touch: IssueTouch) -> Sequence[PreparedEvent]:
    if condition.kind is IssueConditionKind.NEW_ISSUE:
        return touch.events[:1]
    if condition.kind is IssueConditionKind.REGRESSION:
        return [touch.regressed_by] if touch.regressed_by is not None else []
    return list(reversed(touch.events))


def _last_fired(session: Session, touches: Sequence[IssueTouch]) -> dict[tuple[int, str], datetime]:
    ids = [touch.issue.id for touch in touches]
    rows = session.execute(
        select(IssueRuleFire.issue_id, IssueRuleFire.rule, IssueRuleFire.fired_at).where(
            IssueRuleFire.issue_id.in_(ids)
        )
    )
    return {(issue_id, rule): at for issue_id, rule, at in rows}


def evaluate(
    session: Session,
    config: Config,
    project: str,
    touches: Sequence[IssueTouch],
    now: datetime,
) -> list[Firing]:
    """The rules that fire, in rule order per issue; their firing times are recorded."""
    rules = [rule for rule in config.issue_rules if rule.covers(project)]
    live = [t for t in touches if t.issue.status is IssueStatus.UNRESOLVED]
    if not rules or not live:
        return []
    judge = Judge(session, now)
    fired_at = _last_fired(session, live)
    firings: list[Firing] = []
    for touch in live:
        for rule in rules:
            last = fired_at.get((touch.issue.id, rule.name))
            if last is not None and as_utc(now) - as_utc(last) < rule.interval:
                continue
            firing = _first_firing(judge, rule, touch, now)
            if firing is not None:
                firings.append(firing)
    upsert(
        session,
        table_of(IssueRuleFire),
        [
            {"issue_id": f.touch.issue.id, "rule": f.rule.name, "fired_at": now, "fired": 1}
            for f in firings
        ],
        ("issue_id", "rule"),
        add=("fired",),
        replace=("fired_at",),
    )
    return firings


def _first_firing(judge: Judge, rule: IssueRule, touch: IssueTouch, now: datetime) -> Firing | None:
    for condition in rule.conditions:
        if condition.kind is IssueConditionKind.CRASH_FREE_BELOW:
            continue  # about releases, judged when sessions arrive (warroom.pipeline.health)
        candidates = [e for e in _candidates(condition, touch) if passes(rule, touch, e, now)]
        if not candidates:
            continue
        reason = judge.holds(condition, touch)
        if reason is not None:
            return Firing(touch, rule, reason, candidates[0])
    return None
