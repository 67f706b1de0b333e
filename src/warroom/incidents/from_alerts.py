"""The incidents stage: incidents opened from alerts, alerts attached to them, and incidents
following their alerts' resolution — a batch of alerts at a time.

The route stage says what each alert wants (``warroom.route.rules.Wanted``); this stage
groups a batch's alerts by the incident they would share (group key, service window, a
flapping alert's previous incident), looks each group's open incident up once, opens one
where none is open, and attaches the rest with one timeline entry per incident and batch.
On PostgreSQL a group is locked (an advisory lock) while it is decided, so two workers
sharing a storm never open two incidents for one group.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, text, update
from sqlalchemy.orm import Session, lazyload

from warroom.alerts.history import History
from warroom.alerts.models import Alert, AlertDecision, AlertEventKind, AlertStatus
from warroom.alerts.state import AlertRow
from warroom.config import Config, IntegrationKind, RuleGroupBy
from warroom.db.base import table_of
from warroom.incidents import actions, timeline
from warroom.incidents.commands import DeclareIncident
from warroom.incidents.enums import DetectionSource, IncidentAction, IncidentStatus, TimelineKind
from warroom.incidents.lifecycle import OPEN_STATUSES
from warroom.incidents.locks import lock_incident
from warroom.incidents.models import Incident, IncidentService
from warroom.incidents.service import declare
from warroom.ingest.drill import drill_token
from warroom.route.rules import Wanted, Wants

INCIDENTS_TABLE = table_of(Incident)
GroupKey = tuple[str, ...]


def _summary(alert: AlertRow) -> str:
    parts = [alert.description] if alert.description else []
    for key in ("summary", "description"):
        value = (alert.annotations or {}).get(key)
        if value and value not in parts:
            parts.append(value)
    return "\n\n".join(parts)


def _source(config: Config, alert: AlertRow) -> DetectionSource:
    """A missed heartbeat's alert found it through the heartbeat; any other alert is an alert."""
    integration = config.integration(alert.integration)
    if integration is not None and integration.kind is IntegrationKind.HEARTBEAT:
        return DetectionSource.HEARTBEAT
    return DetectionSource.ALERT


def declare_from_alert(
    session: Session, config: Config, alert: AlertRow, severity: str, rule: str, now: datetime
) -> Incident:
    assert alert.team is not None
    services = [alert.service] if alert.service and config.service(alert.service) else []
    detected = alert.first_seen_at
    # The worker's round may have started a moment before this alert was received.
    now = max(now, detected)
    data = DeclareIncident(
        title=alert.title[:300],
        severity=severity,
        team=alert.team,
        services=services,
        summary=_summary(alert),
        impact_started_at=min(alert.starts_at, detected),
        detected_at=detected,
        detection_source=_source(config, alert),
        drill=drill_token(alert.labels) is not None,
    )
    incident = declare(session, config, None, data, now)
    link(session, incident, [(alert, rule)], now)
    return incident


def link(
    session: Session, incident: Incident, alerts: Sequence[tuple[AlertRow, str]], now: datetime
) -> None:
    """Attach alerts (each with the rule that attached it) to the incident: one timeline
    entry, the impact start moved back if an alert started earlier, the count kept."""
    if not alerts:
        return
    for alert, _rule in alerts:
        alert.incident_id = incident.id
    # An UPDATE of the count itself: two workers may attach to one incident at once.
    session.connection().execute(
        update(INCIDENTS_TABLE)
        .where(INCIDENTS_TABLE.c.id == incident.id)
        .values(alert_count=INCIDENTS_TABLE.c.alert_count + len(alerts))
    )
    session.expire(incident, ["alert_count"])
    first, rule = alerts[0]
    if len(alerts) == 1:
        entry = f"alert {first.id} attached by rule {rule}: {first.title}"
        after: dict[str, object] = {
            "alert": first.id,
            "source": first.source.value,
            "integration": first.integration,
        }
    else:
        rules = ", ".join(sorted({r for _a, r in alerts}))
        entry = (
            f"{len(alerts):,} alerts attached by rule {rules}: {first.title} "
            f"and {len(alerts) - 1:,} more"
        )
        after = {"alerts": [a.id for a, _r in alerts], "count": len(alerts)}
    earliest = min(alerts, key=lambda pair: pair[0].starts_at)[0]
    before: dict[str, object] | None = None
    if earliest.starts_at < incident.impact_started_at:
        before = {"impact_started_at": timeline.stamp(incident.impact_started_at)}
        incident.impact_started_at = earliest.starts_at
        entry += f"; impact start moved to {earliest.starts_at.isoformat()}"
        after["impact_started_at"] = timeline.stamp(earliest.starts_at)
    timeline.record(
        session, incident, TimelineKind.ALERT_ATTACHED, None, entry, now, before=before, after=after
    )


# The group's incidents come from the (integration, group_key, incident_id) index alone: a
# storm group of thousands of alerts has a handful of incidents. Built once (hot path).
GROUP_INCIDENTS = (
    select(Alert.incident_id)
    .where(
        Alert.integration == bindparam("integration"),
        Alert.group_key == bindparam("group_key"),
        Alert.incident_id.is_not(None),
    )
    .distinct()
)
OPEN_INCIDENT_OF_GROUP = (
    select(Incident)
    .where(Incident.id.in_(GROUP_INCIDENTS), Incident.status.in_(OPEN_STATUSES))
    .order_by(Incident.number.desc())
    .limit(1)
    # Its collections load if touched; attaching an alert never does.
    .options(lazyload("*"))
)


def open_incident_for_group(session: Session, integration: str, group_key: str) -> Incident | None:
    """The open incident that has an alert of the same integration and group key (the
    newest if several)."""
    params = {"integration": integration, "group_key": group_key}
    return session.scalar(OPEN_INCIDENT_OF_GROUP, params)


def open_incident_for_service(
    session: Session, service: str, window: timedelta, now: datetime
) -> Incident | None:
    """The newest open incident of the service declared within ``window``."""
    stmt = (
        select(Incident)
        .join(IncidentService, IncidentService.incident_id == Incident.id)
        .where(
            IncidentService.service == service,
            Incident.status.in_(OPEN_STATUSES),
            Incident.declared_at >= now - window,
        )
        .order_by(Incident.number.desc())
        .limit(1)
        .options(lazyload("*"))
    )
    return session.scalar(stmt)


def _locks(item: Wanted) -> set[GroupKey]:
    """The groups an alert's decision reads or changes (see ``_lock``)."""
    alert = item.alert
    keys: set[GroupKey] = set()
    if alert.group_key:
        keys.add(("group_key", alert.integration, alert.group_key))
    if alert.service:
        keys.add(("service", alert.service))
    if item.incident_id is not None:
        keys.add(("incident", str(item.incident_id)))
    return keys


def _lock(session: Session, group: GroupKey) -> None:
    """PostgreSQL: one worker at a time decides a group (until its transaction ends), so
    two workers sharing a storm never open two incidents for one group."""
    key = zlib.crc32("\x1f".join(("warroom:incident-group", *group)).encode())
    session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})


class Groups:
    """The open incident each group would join, read from the database once per batch and
    kept current as the batch opens incidents and attaches alerts, so a batch decides as
    if its alerts came one at a time."""

    def __init__(self, session: Session, now: datetime) -> None:
        self.session = session
        self.now = now
        self.by_group_key: dict[tuple[str, str], Incident | None] = {}
        self.joined_by_group_key: dict[tuple[str, str], Incident] = {}
        self.by_service: dict[tuple[str, timedelta], Incident | None] = {}

    def find(self, item: Wanted) -> Incident | None:
        alert = item.alert
        if item.wants is Wants.JOIN:
            assert item.incident_id is not None
            incident = self.session.get(Incident, item.incident_id, options=[lazyload("*")])
            return incident if incident is not None and incident.status in OPEN_STATUSES else None
        if item.group_by is RuleGroupBy.GROUP_KEY and alert.group_key:
            key = (alert.integration, alert.group_key)
            if key not in self.by_group_key:
                self.by_group_key[key] = open_incident_for_group(self.session, *key)
            return _newest(self.by_group_key[key], self.joined_by_group_key.get(key))
        if item.group_by is RuleGroupBy.SERVICE and alert.service:
            assert item.group_window is not None
            wanted = (alert.service, item.group_window)
            if wanted not in self.by_service:
                found = open_incident_for_service(self.session, *wanted, self.now)
                self.by_service[wanted] = found
            return self.by_service[wanted]
        return None

    def joined(self, alert: AlertRow, incident: Incident) -> None:
        """The alert now belongs to the incident: its group key leads there too (the
        database learns it when the batch is written)."""
        if alert.group_key:
            key = (alert.integration, alert.group_key)
            known = self.joined_by_group_key.get(key)
            if known is None or known.number < incident.number:
                self.joined_by_group_key[key] = incident

    def declared(self, incident: Incident, services: Sequence[str]) -> None:
        """A new incident is the newest of its services."""
        for service, window in list(self.by_service):
            if service in services:
                self.by_service[(service, window)] = incident


def _newest(one: Incident | None, other: Incident | None) -> Incident | None:
    if one is None or other is None:
        return one or other
    return one if one.number > other.number else other


@dataclass(frozen=True)
class Attachments:
    """Alerts attached to an incident by a batch, for ``link`` to record."""

    incident: Incident
    alerts: list[tuple[AlertRow, str]]


def _may_open(item: Wanted) -> bool:
    """The alert would open an incident of its group if the group had none open."""
    grouped = (item.group_by is RuleGroupBy.GROUP_KEY and item.alert.group_key) or (
        item.group_by is RuleGroupBy.SERVICE and item.alert.service
    )
    wants = item.wants in (Wants.INCIDENT, Wants.TICKET)
    return bool(grouped) and wants and item.alert.team is not None


def carry_out(
    session: Session, config: Config, wanted: Sequence[Wanted], history: History
) -> list[Attachments]:
    """The incidents stage over a batch's decisions, in order (see the module). Returns the
    attachments for ``link_all``: the caller records them as late as it can (on PostgreSQL
    the incident's row stays locked from then to the end of the transaction)."""
    if not wanted:
        return []
    now = history.now
    groups = Groups(session, now)
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres and any(_may_open(item) and groups.find(item) is None for item in wanted):
        # Opening an incident: this batch decides its groups alone, then looks again (another
        # worker may have opened one meanwhile). Attaching to an open one needs no lock.
        for group in sorted(set().union(*(_locks(item) for item in wanted))):
            _lock(session, group)
        groups = Groups(session, now)
    attached: dict[int, list[tuple[AlertRow, str]]] = defaultdict(list)
    incidents: dict[int, Incident] = {}
    for item in wanted:
        alert = item.alert
        incident = groups.find(item)
        if incident is not None:
            attached[incident.id].append((alert, item.rule))
            incidents[incident.id] = incident
            alert.incident_id = incident.id
            groups.joined(alert, incident)
            if item.wants is Wants.JOIN:
                alert.rule = item.rule
                text_ = f"flapping: joined {incident.ref} without starting anything"
                _decide(history, alert, AlertDecision.FLAPPING, text_)
            else:
                text_ = f"rule {item.rule}: attached to {incident.ref}"
                _decide(history, alert, AlertDecision.ATTACHED, text_, {"incident": incident.ref})
        elif item.wants is Wants.JOIN:
            why = f"flapping: the incident of its previous episode is no longer open ({item.rule})"
            _decide(history, alert, AlertDecision.UNMATCHED, why)
        elif item.wants is Wants.ATTACH:
            why = f"rule {item.rule}: no open incident of its group to attach to; notify only"
            _decide(history, alert, AlertDecision.NOTIFY, why)
        elif alert.team is None:
            why = f"rule {item.rule}: no owning team, so no incident (unrouted)"
            _decide(history, alert, AlertDecision.UNMATCHED, why)
        else:
            assert item.severity is not None
            incident = declare_from_alert(session, config, alert, item.severity, item.rule, now)
            groups.declared(incident, incident.service_slugs)
            groups.joined(alert, incident)
            ticket = item.wants is Wants.TICKET
            _decide(
                history,
                alert,
                AlertDecision.TICKET if ticket else AlertDecision.INCIDENT,
                f"rule {item.rule}: opened {incident.ref} at {item.severity}",
                {"incident": incident.ref, "severity": item.severity},
            )
    return [Attachments(incidents[i], alerts) for i, alerts in attached.items()]


def link_all(session: Session, attachments: Sequence[Attachments], now: datetime) -> None:
    for item in attachments:
        link(session, item.incident, item.alerts, now)


def _decide(
    history: History,
    alert: AlertRow,
    decision: AlertDecision,
    text_: str,
    detail: dict[str, object] | None = None,
) -> None:
    alert.decision = decision
    history.add(alert, AlertEventKind.DECIDED, text_, detail=detail)


def follow_resolved(
    session: Session, config: Config, alerts: Sequence[AlertRow], now: datetime
) -> None:
    """Record the batch's resolved alerts on their incidents (one entry per incident); once
    every alert of an incident has resolved, act as configured. The resolutions must be
    written already."""
    by_incident: dict[int, list[AlertRow]] = defaultdict(list)
    for alert in alerts:
        if alert.incident_id is not None:
            by_incident[alert.incident_id].append(alert)
    for incident_id in sorted(by_incident):
        _follow(session, config, incident_id, by_incident[incident_id], now)


def _follow(
    session: Session, config: Config, incident_id: int, alerts: list[AlertRow], now: datetime
) -> None:
    incident = lock_incident(session, incident_id)
    if incident is None:
        return
    if len(alerts) == 1:
        entry = f"alert {alerts[0].id} resolved: {alerts[0].title}"
        after: dict[str, object] = {"alert": alerts[0].id}
    else:
        entry = f"{len(alerts):,} alerts resolved: {alerts[0].title} and {len(alerts) - 1:,} more"
        after = {"alerts": [a.id for a in alerts], "count": len(alerts)}
    timeline.record(session, incident, TimelineKind.ALERT_RESOLVED, None, entry, now, after=after)
    still_open = session.scalar(
        select(Alert.id)
        .where(Alert.incident_id == incident.id, Alert.status != AlertStatus.RESOLVED)
        .limit(1)
    )
    if still_open is not None or incident.status not in OPEN_STATUSES:
        return
    policy = config.alerts.on_all_resolved.value
    timeline.record(
        session,
        incident,
        TimelineKind.ALERTS_RESOLVED,
        None,
        f"every linked alert has resolved (on_all_resolved: {policy})",
        now,
    )
    target = {"mitigate": IncidentAction.MITIGATE, "resolve": IncidentAction.RESOLVE}.get(policy)
    if target is IncidentAction.MITIGATE and incident.status is IncidentStatus.MITIGATED:
        return
    if target is not None:
        actions.apply_action(
            session, config, None, incident, target, now, reason="every linked alert has resolved"
        )
