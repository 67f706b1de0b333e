"""Contributing factors that recur, and the alert when one recurs while the action items of
its earlier occurrence are still open: the sign that reviews are not working.

Two factors are the same when they share the category and the service (both may have
none) and, if both carry tags, at least one tag. The alert is a signal through intake (the
``warroom-learning`` integration, source ``learning``), so it is routed, muted and raised
like any alert: its labels name the team, the service and the category, severity warning.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.config import Config
from warroom.incidents.models import Incident
from warroom.ingest.models import SignalAction, SourceKind
from warroom.ingest.signal import SignalIn, persist
from warroom.learn.actions.models import ActionItem, ActionStatus
from warroom.learn.postmortems.models import ContributingFactor

INTEGRATION = "warroom-learning"
ALERT_NAME = "RecurringContributingFactor"


def same_factor(a: ContributingFactor, b: ContributingFactor) -> bool:
    if a.category != b.category or a.service != b.service:
        return False
    if a.tags and b.tags:
        return bool(set(a.tags) & set(b.tags))
    return True


def _identity(factor: ContributingFactor) -> str:
    return f"recurring-factor:{factor.category}:{factor.service or '-'}"


@dataclass
class Recurrence:
    """Earlier occurrences of a factor whose action items are still open."""

    factor: ContributingFactor
    earlier: list[ContributingFactor] = field(default_factory=list)
    open_items: list[ActionItem] = field(default_factory=list)


def earlier_occurrences(
    session: Session, config: Config, factor: ContributingFactor, now: datetime
) -> list[ContributingFactor]:
    since = now - config.postmortems.recurrence_window
    candidates = session.scalars(
        select(ContributingFactor).where(
            ContributingFactor.category == factor.category,
            ContributingFactor.incident_id != factor.incident_id,
            ContributingFactor.created_at >= since,
            ContributingFactor.id != factor.id,
        )
    )
    return [c for c in candidates if same_factor(c, factor)]


def check(
    session: Session, config: Config, factor: ContributingFactor, now: datetime
) -> Recurrence:
    """Whether ``factor`` (just recorded) recurs with open action items; if so, the alert's
    signal is written in this transaction."""
    found = Recurrence(factor, earlier_occurrences(session, config, factor, now))
    if not found.earlier:
        return found
    found.open_items = list(
        session.scalars(
            select(ActionItem)
            .where(
                ActionItem.factor_id.in_([f.id for f in found.earlier]),
                ActionItem.status == ActionStatus.OPEN,
            )
            .order_by(ActionItem.id)
        )
    )
    if found.open_items:
        persist(session, INTEGRATION, SourceKind.LEARNING, [_signal(session, found)], now)
    return found


def _signal(session: Session, found: Recurrence) -> SignalIn:
    factor = found.factor
    refs = {
        i.id: f"INC-{i.number}"
        for i in session.scalars(
            select(Incident).where(
                Incident.id.in_({f.incident_id for f in found.earlier} | {factor.incident_id})
            )
        )
    }
    incident = session.get(Incident, factor.incident_id)
    team = found.open_items[0].team if found.open_items else (incident.team if incident else None)
    earlier = ", ".join(sorted({refs.get(f.incident_id, "?") for f in found.earlier}))
    items = "\n".join(
        f"- action item #{item.id} ({refs.get(item.incident_id, '?')}): {item.title}, "
        f"due {item.due_on.isoformat()}"
        for item in found.open_items
    )
    where = f" in {factor.service}" if factor.service else ""
    return SignalIn(
        action=SignalAction.TRIGGER,
        identity=_identity(factor),
        title=f"Contributing factor '{factor.category}'{where} recurred while its action "
        "items are open",
        description=(
            f"{refs.get(factor.incident_id, '?')} names the factor '{factor.category}'{where} "
            f"({factor.description[:200]}), already found in {earlier}. These action items "
            f"meant to address it are still open:\n{items}"
        ),
        severity="warning",
        labels={
            "alertname": ALERT_NAME,
            "category": factor.category,
            **({"service": factor.service} if factor.service else {}),
            **({"team": team} if team else {}),
            "severity": "warning",
        },
        team=team,
        service=factor.service,
        details={
            "factor_id": factor.id,
            "earlier_factor_ids": [f.id for f in found.earlier],
            "open_action_items": [item.id for item in found.open_items],
        },
    )


@dataclass
class FactorGroup:
    """A factor seen in several incidents within a window."""

    category: str
    service: str | None
    tags: list[str]
    incidents: list[int] = field(default_factory=list)
    items_done: int = 0
    items_open: int = 0


def recurring(
    session: Session, since: datetime, until: datetime, minimum: int = 2
) -> list[FactorGroup]:
    """Factors (category, service, tag) found in at least ``minimum`` incidents recorded in
    [since, until], with how many action items addressing them are done and open."""
    factors = list(
        session.scalars(
            select(ContributingFactor)
            .where(ContributingFactor.created_at >= since, ContributingFactor.created_at <= until)
            .order_by(ContributingFactor.id)
        )
    )
    groups: dict[tuple[str, str | None, str], FactorGroup] = {}
    members: dict[tuple[str, str | None, str], list[int]] = defaultdict(list)
    for factor in factors:
        for tag in factor.tags or [""]:
            key = (factor.category, factor.service, tag)
            group = groups.setdefault(
                key, FactorGroup(factor.category, factor.service, [tag] if tag else [])
            )
            if factor.incident_id not in group.incidents:
                group.incidents.append(factor.incident_id)
            members[key].append(factor.id)
    found = [g for g in groups.values() if len(g.incidents) >= minimum]
    for key, group in groups.items():
        if group not in found:
            continue
        for status in session.scalars(
            select(ActionItem.status).where(ActionItem.factor_id.in_(members[key]))
        ):
            if status is ActionStatus.DONE:
                group.items_done += 1
            elif status is ActionStatus.OPEN:
                group.items_open += 1
    return sorted(found, key=lambda g: (-len(g.incidents), g.category, g.service or "", g.tags))
