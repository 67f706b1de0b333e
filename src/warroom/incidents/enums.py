"""String enums of the incident domain (stored as their values)."""

from __future__ import annotations

from enum import StrEnum


class IncidentStatus(StrEnum):
    TRIGGERED = "triggered"
    ACKNOWLEDGED = "acknowledged"
    MITIGATED = "mitigated"
    RESOLVED = "resolved"
    CLOSED = "closed"


class DetectionSource(StrEnum):
    """What first found the incident: a signal (alert, error, heartbeat, anomaly) or a
    human (a person on the team, a customer)."""

    ALERT = "alert"
    ERROR = "error"
    HEARTBEAT = "heartbeat"
    ANOMALY = "anomaly"
    PERSON = "person"
    CUSTOMER = "customer"


class DetectedBy(StrEnum):
    """Who found a manually declared incident (the declare form's choice)."""

    PERSON = "person"
    CUSTOMER = "customer"


class IncidentAction(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    MITIGATE = "mitigate"
    RESOLVE = "resolve"
    CLOSE = "close"
    REOPEN = "reopen"


class IncidentRole(StrEnum):
    LEAD = "lead"
    FIXER = "fixer"
    COMMS = "comms"


class Audience(StrEnum):
    INTERNAL = "internal"
    PUBLIC = "public"


class TimelineKind(StrEnum):
    DECLARED = "declared"
    STATUS_CHANGED = "status_changed"
    REOPENED = "reopened"
    SEVERITY_CHANGED = "severity_changed"
    ROLE_ASSIGNED = "role_assigned"
    ROLE_HANDED_OVER = "role_handed_over"
    ROLE_RELEASED = "role_released"
    PARTICIPANT_ADDED = "participant_added"
    PARTICIPANT_REMOVED = "participant_removed"
    FIELD_CHANGED = "field_changed"
    TIMESTAMP_CORRECTED = "timestamp_corrected"
    NOTE = "note"
    STATUS_UPDATE = "status_update"
    ALERT_ATTACHED = "alert_attached"
    ALERT_RESOLVED = "alert_resolved"
    ALERTS_RESOLVED = "alerts_resolved"
    PAGED = "paged"
    PAGE_DEFERRED = "page_deferred"
    PAGE_ACKNOWLEDGED = "page_acknowledged"
    ESCALATED = "escalated"
    ESCALATION_STOPPED = "escalation_stopped"
    REASSIGNED = "reassigned"
    UPDATE_REMINDER = "update_reminder"
    NOTIFIED = "notified"
    ISSUE_LINKED = "issue_linked"
    ISSUE_ACTIVITY = "issue_activity"
    SUSPECT_DEPLOY = "suspect_deploy"


class TimestampField(StrEnum):
    """The lifecycle timestamps, in the order they must keep."""

    IMPACT_STARTED_AT = "impact_started_at"
    DETECTED_AT = "detected_at"
    ACKNOWLEDGED_AT = "acknowledged_at"
    MITIGATED_AT = "mitigated_at"
    RESOLVED_AT = "resolved_at"
    CLOSED_AT = "closed_at"
