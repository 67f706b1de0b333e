"""Follow-through of action items: of the items created in the window, per team, how many
are done, cancelled, open and overdue (open past their due date today), the completion
rate (done out of those not cancelled), and which items are overdue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.incidents.models import Incident
from warroom.learn.actions.models import ActionItem, ActionStatus
from warroom.learn.insights.window import Window


@dataclass(frozen=True)
class OverdueItem:
    id: int
    incident: str
    title: str
    owner: str | None
    due_on: date
    days_late: int


@dataclass(frozen=True)
class TeamFollowThrough:
    team: str
    created: int
    done: int
    cancelled: int
    open: int
    overdue: int
    overdue_items: list[OverdueItem]

    @property
    def completion_rate(self) -> float | None:
        """Done out of the items not cancelled; None when there are none."""
        counted = self.created - self.cancelled
        return self.done / counted if counted else None


@dataclass(frozen=True)
class FollowThroughReport:
    window: Window
    teams: list[TeamFollowThrough]
    overall: TeamFollowThrough


def _summary(team: str, rows: list[tuple[ActionItem, str]], today: date) -> TeamFollowThrough:
    late = [
        OverdueItem(
            id=item.id,
            incident=ref,
            title=item.title,
            owner=item.owner.username if item.owner is not None else None,
            due_on=item.due_on,
            days_late=(today - item.due_on).days,
        )
        for item, ref in rows
        if item.status is ActionStatus.OPEN and item.due_on < today
    ]
    late.sort(key=lambda i: (-i.days_late, i.id))
    return TeamFollowThrough(
        team=team,
        created=len(rows),
        done=sum(item.status is ActionStatus.DONE for item, _ in rows),
        cancelled=sum(item.status is ActionStatus.CANCELLED for item, _ in rows),
        open=sum(item.status is ActionStatus.OPEN for item, _ in rows),
        overdue=len(late),
        overdue_items=late,
    )


def report(session: Session, window: Window, today: date) -> FollowThroughReport:
    items = list(
        session.scalars(
            select(ActionItem)
            .where(ActionItem.created_at >= window.since, ActionItem.created_at < window.until)
            .order_by(ActionItem.team, ActionItem.id)
        )
    )
    ids = {item.incident_id for item in items}
    refs = {i.id: i.ref for i in session.scalars(select(Incident).where(Incident.id.in_(ids)))}
    rows = [(item, refs[item.incident_id]) for item in items]
    by_team: dict[str, list[tuple[ActionItem, str]]] = {}
    for item, ref in rows:
        by_team.setdefault(item.team, []).append((item, ref))
    teams = [_summary(team, by_team[team], today) for team in sorted(by_team)]
    return FollowThroughReport(window, teams, _summary("all", rows, today))
