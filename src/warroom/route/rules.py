"""Alert rules decide what an alert starts: an incident, an attachment, a notification only,
or a ticket — immediately, after N occurrences within a window, or after firing long enough."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from warroom.alerts.dedup import count_events, record
from warroom.alerts.labels import match_labels
from warroom.alerts.models import Alert, AlertDecision, AlertEventKind, AlertStatus
from warroom.config import AlertRule, Config, RuleAction, RuleGroupBy
from warroom.incidents.from_alerts import (
    declare_from_alert,
    link,
    open_incident_for_group,
    open_incident_for_service,
)
from warroom.incidents.models import Incident
from warroom.jobs.queue import schedule

FIRING_FOR_JOB = "alert_rule_check"
OCCURRENCE_EVENTS = (AlertEventKind.OPENED, AlertEventKind.OCCURRED)


def first_matching_rule(config: Config, alert: Alert) -> AlertRule | None:
    labels = match_labels(alert)
    for rule in config.alert_rules:
        if rule.matches(labels):
            return rule
    return None


def incident_severity(config: Config, rule: AlertRule, alert: Alert) -> str:
    if rule.action is RuleAction.TICKET:
        return rule.severity or config.severity_keys()[-1]
    return (
        rule.severity
        or config.incident_severity_for(alert.severity)
        or config.incident_defaults.severity
    )


def _decide(
    session: Session,
    alert: Alert,
    decision: AlertDecision,
    text: str,
    now: datetime,
    detail: dict[str, Any] | None = None,
) -> None:
    alert.decision = decision
    record(session, alert, AlertEventKind.DECIDED, text, now, detail=detail)


def _group_incident(
    session: Session, rule: AlertRule, alert: Alert, now: datetime
) -> Incident | None:
    if rule.group_by is RuleGroupBy.GROUP_KEY:
        return open_incident_for_group(session, alert)
    if rule.group_by is RuleGroupBy.SERVICE:
        return open_incident_for_service(session, alert, rule.group_window, now)
    return None


def condition_met(
    session: Session, rule: AlertRule, alert: Alert, now: datetime
) -> tuple[bool, str]:
    if rule.after_occurrences is not None and rule.within is not None:
        seen = count_events(session, alert, OCCURRENCE_EVENTS, now - rule.within)
        if seen < rule.after_occurrences:
            return False, (
                f"rule {rule.name}: {seen} of {rule.after_occurrences} occurrences "
                f"within {rule.within}"
            )
    if rule.firing_for is not None:
        due = alert.starts_at + rule.firing_for
        if now < due:
            schedule(
                session,
                FIRING_FOR_JOB,
                due,
                now,
                {"alert_id": alert.id},
                key=f"{FIRING_FOR_JOB}:{alert.id}:{rule.name}",
            )
            return False, f"rule {rule.name}: waits until it has fired for {rule.firing_for}"
    return True, ""


def evaluate(session: Session, config: Config, alert: Alert, now: datetime) -> None:
    """Run the alert rules on a firing (or acknowledged) alert that has no incident yet."""
    if alert.status is AlertStatus.RESOLVED or alert.incident_id is not None:
        return
    if alert.muted_by:
        _decide(session, alert, AlertDecision.MUTED, f"muted: {alert.muted_by}", now)
        return
    rule = first_matching_rule(config, alert)
    if rule is None:
        _decide(session, alert, AlertDecision.UNMATCHED, "no alert rule matches", now)
        return
    alert.rule = rule.name
    met, why = condition_met(session, rule, alert, now)
    if not met:
        _decide(session, alert, AlertDecision.WAITING, why, now)
        return
    if rule.action is RuleAction.NOTIFY:
        _decide(session, alert, AlertDecision.NOTIFY, f"rule {rule.name}: notify only", now)
        return
    # Nothing pending in this session changes which incident the group has (earlier signals
    # were flushed with their savepoints); not flushing here saves a round of UPDATEs.
    with session.no_autoflush:
        existing = _group_incident(session, rule, alert, now)
    if existing is not None:
        link(session, existing, alert, rule.name, now)
        _decide(
            session,
            alert,
            AlertDecision.ATTACHED,
            f"rule {rule.name}: attached to {existing.ref}",
            now,
            {"incident": existing.ref},
        )
        return
    if rule.action is RuleAction.ATTACH:
        _decide(
            session,
            alert,
            AlertDecision.NOTIFY,
            f"rule {rule.name}: no open incident of its group to attach to; notify only",
            now,
        )
        return
    if alert.team is None:
        _decide(
            session,
            alert,
            AlertDecision.UNMATCHED,
            f"rule {rule.name}: no owning team, so no incident (unrouted)",
            now,
        )
        return
    severity = incident_severity(config, rule, alert)
    incident = declare_from_alert(session, config, alert, severity, rule.name, now)
    decision = AlertDecision.TICKET if rule.action is RuleAction.TICKET else AlertDecision.INCIDENT
    _decide(
        session,
        alert,
        decision,
        f"rule {rule.name}: opened {incident.ref} at {severity}",
        now,
        {"incident": incident.ref, "severity": severity},
    )
