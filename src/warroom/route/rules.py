"""Alert rules decide what an alert starts: an incident, an attachment, a notification only,
or a ticket — immediately, after N occurrences within a window, or after firing long enough.

The route stage decides; it does not touch incidents. A decision that needs an incident
comes back as ``Wanted``, which the incidents stage (``warroom.incidents.from_alerts``)
carries out for the whole batch at once, so a storm's alerts of one group find or open
their incident once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TypedDict

from sqlalchemy.orm import Session

from warroom.alerts.history import History, count_events
from warroom.alerts.labels import match_labels
from warroom.alerts.models import AlertDecision, AlertEventKind, AlertStatus
from warroom.alerts.state import AlertRow
from warroom.config import AlertRule, Config, RuleAction, RuleGroupBy
from warroom.jobs.queue import schedule

FIRING_FOR_JOB = "alert_rule_check"


class RuleCheckPayload(TypedDict):
    """Job ``alert_rule_check``: alert ``alert_id`` has fired for its rule's ``firing_for``;
    the rules look at it again."""

    alert_id: int


OCCURRENCE_EVENTS = (AlertEventKind.OPENED, AlertEventKind.OCCURRED)


class Wants(StrEnum):
    """What an alert asks of the incidents stage."""

    INCIDENT = "incident"
    """The open incident of its group, or a new one."""
    TICKET = "ticket"
    """The same, at the ticket severity."""
    ATTACH = "attach"
    """The open incident of its group only; otherwise a notification."""
    JOIN = "join"
    """A flapping alert's new episode: the incident of its previous episode, if open."""


@dataclass(frozen=True)
class Wanted:
    alert: AlertRow
    rule: str
    wants: Wants
    group_by: RuleGroupBy = RuleGroupBy.NONE
    group_window: timedelta | None = None
    severity: str | None = None
    incident_id: int | None = None
    """For ``JOIN``: the previous episode's incident."""


def first_matching_rule(config: Config, alert: AlertRow) -> AlertRule | None:
    labels = match_labels(alert)
    for rule in config.alert_rules:
        if rule.matches(labels):
            return rule
    return None


def incident_severity(config: Config, rule: AlertRule, alert: AlertRow) -> str:
    if rule.action is RuleAction.TICKET:
        return rule.severity or config.severity_keys()[-1]
    return (
        rule.severity
        or config.incident_severity_for(alert.severity)
        or config.incident_defaults.severity
    )


def decide_now(
    history: History,
    alert: AlertRow,
    decision: AlertDecision,
    text: str,
    detail: dict[str, object] | None = None,
) -> None:
    alert.decision = decision
    history.add(alert, AlertEventKind.DECIDED, text, detail=detail)


def condition_met(
    session: Session, rule: AlertRule, alert: AlertRow, now: datetime
) -> tuple[bool, str]:
    if rule.after_occurrences is not None and rule.within is not None:
        counts = count_events(
            session, alert.integration, [alert.identity], OCCURRENCE_EVENTS, now - rule.within
        )
        seen = counts.get(alert.identity, 0)
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
                RuleCheckPayload(alert_id=alert.id),
                key=f"{FIRING_FOR_JOB}:{alert.id}:{rule.name}",
            )
            return False, f"rule {rule.name}: waits until it has fired for {rule.firing_for}"
    return True, ""


def decide(session: Session, config: Config, alert: AlertRow, history: History) -> Wanted | None:
    """Run the alert rules on a firing (or acknowledged) alert that has no incident yet:
    record what they decided, or return what the incidents stage must do."""
    if alert.status is AlertStatus.RESOLVED or alert.incident_id is not None:
        return None
    if alert.muted_by:
        decide_now(history, alert, AlertDecision.MUTED, f"muted: {alert.muted_by}")
        return None
    rule = first_matching_rule(config, alert)
    if rule is None:
        decide_now(history, alert, AlertDecision.UNMATCHED, "no alert rule matches")
        return None
    alert.rule = rule.name
    met, why = condition_met(session, rule, alert, history.now)
    if not met:
        decide_now(history, alert, AlertDecision.WAITING, why)
        return None
    if rule.action is RuleAction.NOTIFY:
        decide_now(history, alert, AlertDecision.NOTIFY, f"rule {rule.name}: notify only")
        return None
    wants = {
        RuleAction.INCIDENT: Wants.INCIDENT,
        RuleAction.TICKET: Wants.TICKET,
        RuleAction.ATTACH: Wants.ATTACH,
    }[rule.action]
    return Wanted(
        alert,
        rule.name,
        wants,
        rule.group_by,
        rule.group_window,
        incident_severity(config, rule, alert),
    )


def decide_all(
    session: Session, config: Config, alerts: Sequence[AlertRow], history: History
) -> list[Wanted]:
    """The route stage over a batch's alerts, in order."""
    wanted = []
    for alert in alerts:
        decision = decide(session, config, alert, history)
        if decision is not None:
            wanted.append(decision)
    return wanted
