"""Which tables the audit log records, and how each names its rows.

Every table of warroom is in ``AUDITED`` or in ``NOT_AUDITED`` with the reason; a test
keeps it so, so a new table is a decision, not an accident. Tables are named by string:
the audit log sits in the core and never imports the domains above it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy.orm import Session

from warroom.auth.models import User
from warroom.db.base import Base

Describe = Callable[[Mapping[str, Any], Session], str | None]
"""From a row's column values (by column name) to a few words about it for the log."""
Key = Callable[[Mapping[str, Any], Session], str]


@dataclass(frozen=True)
class Audited:
    object_type: str
    omit: frozenset[str] = frozenset()
    """Columns never recorded (bookkeeping and bulky machine data); a change of only these
    leaves no record."""
    secret: frozenset[str] = frozenset()
    """Columns recorded as ``[secret]`` when set or changed: never their value."""
    key: Key | None = None
    """The ``object_id`` (default: the primary key, parts joined by ``/``)."""
    label: Describe | None = None
    """A few words for the summary."""


@cache
def _model(table: str) -> type[Any] | None:
    for mapper in Base.registry.mappers:
        if getattr(mapper.local_table, "name", None) == table:
            return mapper.class_
    return None


def _row(session: Session, table: str, key: Any) -> Any:
    """A row of ``table`` from the session (a query only if it is not loaded)."""
    model = _model(table)
    return None if model is None or key is None else session.get(model, key)


def username(session: Session, user_id: Any) -> str | None:
    user = session.get(User, user_id) if user_id is not None else None
    return user.username if user is not None else None


def incident_ref(session: Session, incident_id: Any) -> str:
    incident = _row(session, "incidents", incident_id)
    return f"INC-{incident.number}" if incident is not None else f"incident {incident_id}"


def _of_incident(what: Callable[[Mapping[str, Any], Session], str]) -> Describe:
    def label(values: Mapping[str, Any], session: Session) -> str:
        return f"{what(values, session)} of {incident_ref(session, values.get('incident_id'))}"

    return label


def _column(name: str) -> Describe:
    def value(values: Mapping[str, Any], _session: Session) -> str | None:
        found = values.get(name)
        return None if found is None else str(getattr(found, "value", found))

    return value


def _membership(values: Mapping[str, Any], session: Session) -> str:
    who = username(session, values.get("user_id")) or f"user {values.get('user_id')}"
    return f"{who}/{values.get('team')}"


def _token(values: Mapping[str, Any], session: Session) -> str:
    owner = username(session, values.get("user_id"))
    return f"{values.get('name')}, {values.get('prefix')}…, of {owner}"


def _person_of_incident(values: Mapping[str, Any], session: Session) -> str:
    role = values.get("role")
    who = username(session, values.get("user_id")) or f"user {values.get('user_id')}"
    return f"{getattr(role, 'value', role)} {who}" if role is not None else who


def _silence(values: Mapping[str, Any], _session: Session) -> str:
    kind = getattr(values.get("kind"), "value", values.get("kind"))
    matchers = values.get("matchers") or []
    return f"{kind} {values.get('service') or ', '.join(str(m) for m in matchers)}"


AUDITED: dict[str, Audited] = {
    "incidents": Audited(
        "incident",
        omit=frozenset({"updated_at", "alert_count"}),
        key=lambda values, _session: f"INC-{values.get('number')}",
        label=_column("title"),
    ),
    "incident_services": Audited(
        "incident_service", label=_of_incident(lambda v, _s: str(v.get("service")))
    ),
    "incident_role_assignments": Audited("incident_role", label=_of_incident(_person_of_incident)),
    "incident_participants": Audited(
        "incident_participant", label=_of_incident(_person_of_incident)
    ),
    "incident_timeline": Audited(
        "timeline_entry", label=_of_incident(lambda v, _s: f"{_column('kind')(v, _s)} entry")
    ),
    "incident_status_updates": Audited(
        "status_update",
        label=_of_incident(lambda v, _s: f"{_column('audience')(v, _s)} update"),
    ),
    "escalations": Audited(
        "escalation",
        omit=frozenset({"token", "snapshot", "updated_at"}),
        label=_of_incident(lambda v, _s: f"policy {v.get('policy')}"),
    ),
    "alerts": Audited("alert", label=_column("title")),
    "silences": Audited("silence", label=_silence),
    "schedule_overrides": Audited(
        "schedule_override",
        label=lambda v, _s: f"{v.get('username')} on {v.get('schedule')}",
    ),
    "deliveries": Audited(
        "delivery",
        omit=frozenset({"payload", "response", "lease_until"}),
        label=lambda v, _s: f"{_column('channel')(v, _s)} to {v.get('target')}",
    ),
    "error_issues": Audited(
        "error_issue", omit=frozenset({"metadata", "routed_by"}), label=_column("title")
    ),
    "releases": Audited("release", label=_column("version")),
    "deploys": Audited("deploy", label=_column("environment")),
    "users": Audited(
        "user",
        omit=frozenset({"last_login_at"}),
        secret=frozenset({"password_hash"}),
        key=lambda values, _session: str(values.get("username")),
        label=_column("role"),
    ),
    "team_memberships": Audited("team_membership", key=_membership),
    "saved_views": Audited("saved_view", label=_column("name")),
    "postmortems": Audited(
        "postmortem",
        omit=frozenset({"updated_at", "search_text", "content"}),
        label=_of_incident(lambda v, _s: f"{_column('status')(v, _s)} postmortem"),
    ),
    "contributing_factors": Audited(
        "contributing_factor", label=_of_incident(lambda v, _s: f"{v.get('category')} factor")
    ),
    "action_items": Audited("action_item", omit=frozenset({"updated_at"}), label=_column("title")),
    # Who started a drill (its pages go out) and how it ended; the measures are the run's own.
    "drill_runs": Audited(
        "drill_run",
        omit=frozenset(
            {
                "opened_at",
                "acknowledged_at",
                "first_update_at",
                "resolved_at",
                "detect_seconds",
                "acknowledge_seconds",
                "first_update_seconds",
                "detect_target_seconds",
                "acknowledge_target_seconds",
                "first_update_target_seconds",
                "detect_passed",
                "acknowledge_passed",
                "first_update_passed",
                "severity_passed",
            }
        ),
        label=_column("scenario"),
    ),
    # A responder's "not useful" mark moves a monitor's sensitivity.
    "monitor_tuning": Audited(
        "monitor_tuning", omit=frozenset({"updated_at"}), label=_column("monitor")
    ),
    "api_tokens": Audited(
        "api_token",
        omit=frozenset({"last_used_at"}),
        secret=frozenset({"token_hash"}),
        label=_token,
    ),
}

MACHINE = "written by warroom itself (ingest, the pipeline, the worker), never by a person"
NOT_AUDITED: dict[str, str] = {
    "audit_log": "the log itself",
    "app_secrets": "secrets warroom makes for itself; never recorded anywhere",
    "web_sessions": "sign-in bookkeeping; its id is what a browser's cookie carries",
    "status_subscribers": "the public's email subscriptions to a status page: not warroom "
    "users' changes, and their addresses are kept out of the log",
    "counters": "incident numbers; the incident's creation is recorded",
    "jobs": MACHINE,
    "signals": MACHINE,
    "service_changes": MACHINE,
    "heartbeats": MACHINE,
    "alert_events": MACHINE,
    "pages": MACHINE,
    "incident_channels": MACHINE,
    "tracker_issues": "the sync's bookkeeping of a tracker issue, written by enqueueing, "
    "the outbox and tracker webhooks; the subject's own change is what gets recorded",
    "calendar_cache": MACHINE,
    "error_items": MACHINE,
    "error_events": MACHINE,
    "error_issue_hashes": MACHINE,
    "error_issue_tags": MACHINE,
    "error_issue_users": MACHINE,
    "error_issue_releases": MACHINE,
    "error_issue_rule_fires": MACHINE,
    "error_issue_minutes": MACHINE,
    "error_outcomes": MACHINE,
    "error_attachments": MACHINE,
    "monitors": MACHINE,
    "metric_series": "metric samples pushed by senders (remote write, the push API); not "
    "people's changes",
    "metric_samples": "metric samples pushed by senders (remote write, the push API); not "
    "people's changes",
    "monitor_states": MACHINE,
    "monitor_checkins": MACHINE,
    "session_minutes": MACHINE,
    "release_sessions": MACHINE,
    "release_users": MACHINE,
    "health_rule_fires": MACHINE,
    "transaction_minutes": MACHINE,
    "transaction_buckets": MACHINE,
    "log_minutes": MACHINE,
    "user_feedback": MACHINE,
    "postmortem_revisions": "the postmortem's own history (every save is a revision); the "
    "postmortem's changes are recorded",
    "release_projects": "part of a release; the release's creation is recorded",
    "release_repositories": "part of a release; the release's creation is recorded",
    "release_commits": "a release's commit list (hundreds of rows); the release is recorded",
    "deploy_projects": "part of a deploy; the deploy is recorded",
}
