"""The configuration models: the YAML shape, validated strictly (unknown keys are errors)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any, Self
from zoneinfo import ZoneInfo

from pydantic import (
    ConfigDict,
    Field,
    PrivateAttr,
    StrictBool,
    StrictInt,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .alerting import AlertRule, AlertSettings, InhibitRule, RoutingSettings
from .base import StrictModel as _Model
from .defaults import (
    DEFAULT_ALERT_RULES,
    DEFAULT_FIRST_UPDATE_WITHIN,
    DEFAULT_INCIDENT_SEVERITY,
    DEFAULT_ORGANIZATION_NAME,
    DEFAULT_SEVERITIES,
    DEFAULT_SEVERITY_MAP,
)
from .drills import DrillScenario, DrillSettings
from .errors import format_path
from .escalation import EscalationPolicy
from .forecasts import Forecast
from .hours import WEEKDAYS, WORKDAYS, HoursWindow, Weekday
from .insights import InsightsSettings
from .intake import Integration
from .learning import ActionItemSettings, PostmortemSettings
from .monitors import MetricsSettings, Monitor
from .notify import NotificationSettings
from .people import Person
from .projects import DsnKey, IssueRule, Project
from .queues import QueueMonitor
from .references import reference_problems
from .retention import RetentionSettings
from .schedules import Schedule
from .slos import Slo
from .sso import SsoSettings
from .status_pages import StatusPage
from .trackers import Tracker
from .values import (
    Duration,
    HttpUrlStr,
    NonEmptyStr,
    SeverityKey,
    SeverityLabel,
    Slug,
    TimeZoneName,
    check_http_url,
    config_problem,
    parse_duration,
)

DEFER_REFERENCES = "warroom.config.defer_references"
"""Validation context flag: the loader checks references itself, with file and line."""


class ResponseWindow(StrEnum):
    """When responders are expected to act on an incident of a severity."""

    ALWAYS = "always"
    EXTENDED_HOURS = "extended_hours"
    WORKING_HOURS = "working_hours"
    NONE = "none"


class PostmortemPolicy(StrEnum):
    REQUIRED = "required"
    OPTIONAL = "optional"
    NONE = "none"


class ContactKind(StrEnum):
    EMAIL = "email"
    SLACK_CHANNEL = "slack_channel"
    WEBHOOK = "webhook"
    PHONE = "phone"


class Organization(_Model):
    """Who runs this warroom."""

    name: NonEmptyStr = Field(
        DEFAULT_ORGANIZATION_NAME, description="Organisation name shown in the UI and messages."
    )


_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+$")
_SLACK_CHANNEL_RE = re.compile(r"^(#[a-z0-9][a-z0-9._-]*|[CG][A-Z0-9]{6,})$")
_PHONE_RE = re.compile(r"^\+?[0-9][0-9 ()-]{4,}$")


class Contact(_Model):
    """Where a team is reached: an email address, a Slack channel, a webhook or a phone."""

    kind: ContactKind = Field(description="email, slack_channel, webhook or phone.")
    target: NonEmptyStr = Field(
        description=(
            "Address for the kind: oncall@example.com, #channel (or a channel ID), "
            "https://... webhook URL, or +420 123 456 789."
        )
    )

    @field_validator("target")
    @classmethod
    def _target_fits_kind(cls, target: str, info: ValidationInfo) -> str:
        kind = info.data.get("kind")
        if kind is ContactKind.EMAIL and not _EMAIL_RE.match(target):
            raise config_problem(f"invalid email address {target!r}")
        if kind is ContactKind.SLACK_CHANNEL and not _SLACK_CHANNEL_RE.match(target):
            raise config_problem(
                f"invalid Slack channel {target!r}: write '#channel-name' or a channel ID "
                "like C0123ABCD"
            )
        if kind is ContactKind.WEBHOOK:
            check_http_url(target)
        if kind is ContactKind.PHONE and not _PHONE_RE.match(target):
            raise config_problem(
                f"invalid phone number {target!r}: use digits with an optional leading +, "
                "e.g. +420 123 456 789"
            )
        return target


def _hours(days: list[Weekday], start: str, end: str) -> HoursWindow:
    return HoursWindow.model_validate({"days": days, "start": start, "end": end})


class Team(_Model):
    """A team that owns services and responds to their incidents."""

    slug: Slug = Field(
        description="Identifier: lowercase letters, digits and hyphens; unique across teams."
    )
    name: NonEmptyStr = Field(description="Human name of the team.")
    timezone: TimeZoneName = Field(
        description="IANA time zone of the team's working and extended hours, e.g. Europe/Prague."
    )
    working_hours: HoursWindow = Field(
        default=_hours(WORKDAYS, "09:00", "17:00"),
        description="When the team works; severities with response working_hours are handled "
        "only then. Default mon-fri 09:00-17:00.",
    )
    extended_hours: HoursWindow = Field(
        default=_hours(WEEKDAYS, "08:00", "22:00"),
        description="Daytime including weekends; severities with response extended_hours are "
        "handled then. Default every day 08:00-22:00.",
    )
    contacts: list[Contact] = Field(
        default_factory=list, description="Where the team is reached (email, Slack, ...)."
    )
    escalation_policy: Slug | None = Field(
        None, description="Slug of the escalation policy that pages for the team's incidents."
    )
    tracker: Slug | None = Field(
        None, description="Name of the tracker (trackers) the team's action items go to."
    )
    track_incidents: StrictBool = Field(
        False,
        description="Every incident of the team also gets an issue in its tracker.",
    )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def responds_at(self, response: ResponseWindow, moment: datetime) -> bool:
        """Whether the team is expected to respond at ``moment`` (tz-aware) for ``response``."""
        if moment.tzinfo is None:
            raise ValueError("moment must be timezone-aware")
        if response is ResponseWindow.ALWAYS:
            return True
        if response is ResponseWindow.NONE:
            return False
        window = (
            self.extended_hours if response is ResponseWindow.EXTENDED_HOURS else self.working_hours
        )
        return window.contains(moment.astimezone(self.zone))


class Service(_Model):
    """Something that runs in production, owned by one team."""

    slug: Slug = Field(
        description="Identifier: lowercase letters, digits and hyphens; unique across services."
    )
    name: NonEmptyStr = Field(description="Human name of the service.")
    team: NonEmptyStr = Field(description="Slug of the owning team.")
    tier: StrictInt = Field(
        3, ge=1, le=4, description="Business criticality, 1 (most critical) to 4. Default 3."
    )
    description: str = Field("", description="What the service does, for responders.")
    runbook_url: HttpUrlStr | None = Field(None, description="Link to the runbook (http or https).")
    runbook: str | None = Field(None, description="A short runbook in Markdown.")
    depends_on: list[NonEmptyStr] = Field(
        default_factory=list, description="Slugs of services this service needs to work."
    )


class Severity(_Model):
    """One level of the severity ladder."""

    key: SeverityKey = Field(
        description="Identifier, e.g. SEV1: letters, digits, '-' and '_'; unique."
    )
    name: NonEmptyStr = Field(description="Human name, e.g. Critical.")
    description: str = Field("", description="When to declare this severity.")
    response: ResponseWindow = Field(
        description="When responders act: always (24/7), extended_hours, working_hours "
        "(of the owning team) or none."
    )
    page: StrictBool = Field(description="Whether declaring it pages the on-call person.")
    update_every: Duration | None = Field(
        None, description="How often a status update is due, e.g. 15m; null for no cadence."
    )
    postmortem: PostmortemPolicy = Field(
        PostmortemPolicy.OPTIONAL, description="Postmortem policy: required, optional or none."
    )

    @property
    def postmortem_required(self) -> bool:
        """Read once postmortems exist (issue 15; see docs/architecture.md)."""
        return self.postmortem is PostmortemPolicy.REQUIRED


def default_severities() -> list[Severity]:
    return [Severity.model_validate(dict(severity)) for severity in DEFAULT_SEVERITIES]


class IncidentDefaults(_Model):
    """Defaults applied to new incidents."""

    severity: NonEmptyStr = Field(
        DEFAULT_INCIDENT_SEVERITY,
        description="Severity of a new incident when none is given; must be a defined severity.",
    )
    first_update_within: Duration = Field(
        default=parse_duration(DEFAULT_FIRST_UPDATE_WITHIN),
        description="How soon after declaring an incident the first status update is due.",
    )
    triage_team: NonEmptyStr | None = Field(
        None,
        description="Slug of the team that owns whatever no service or rule assigns; "
        "null means such incidents are reported as unrouted.",
    )


def default_alert_rules() -> list[AlertRule]:
    return [AlertRule.model_validate(dict(rule)) for rule in DEFAULT_ALERT_RULES]


class Config(_Model):
    """warroom configuration: teams, services, severities, incident defaults and alert intake."""

    model_config = ConfigDict(title="warroom configuration")

    organization: Organization = Field(
        default=Organization(), description="The organisation running warroom."
    )
    teams: list[Team] = Field(default_factory=list, description="Teams, each with a unique slug.")
    services: list[Service] = Field(
        default_factory=list, description="The service catalog: who owns what, and what needs what."
    )
    severities: list[Severity] = Field(
        default_factory=default_severities,
        min_length=1,
        description="The severity ladder, most severe first. If given, it replaces the default "
        "SEV1-SEV4 ladder completely.",
    )
    incident_defaults: IncidentDefaults = Field(
        default_factory=IncidentDefaults, description="Defaults for new incidents."
    )
    integrations: list[Integration] = Field(
        default_factory=list,
        description="Sources of signals (Alertmanager, PagerDuty, webhooks, heartbeats), each "
        "with a unique slug and key.",
    )
    routing: RoutingSettings = Field(
        default_factory=RoutingSettings,
        description="How alerts find their owner: naming conventions of alert names.",
    )
    severity_map: dict[SeverityLabel, NonEmptyStr] | None = Field(
        None,
        description="Alert severity label (lowercase) -> incident severity key. If given, it "
        "replaces the default map (critical/page: SEV1, error/high/major: SEV2, "
        "warning/warn/minor: SEV3, info/low: SEV4).",
    )
    inhibit_rules: list[InhibitRule] = Field(
        default_factory=list,
        description="While a source alert fires, matching target alerts are muted.",
    )
    alert_rules: list[AlertRule] = Field(
        default_factory=default_alert_rules,
        description="What alerts become, in order, the first match wins. Default: one rule "
        "that turns every alert into an incident.",
    )
    alerts: AlertSettings = Field(
        default_factory=AlertSettings,
        description="How incidents follow their alerts: resolution and flapping.",
    )
    people: list[Person] = Field(
        default_factory=list,
        description="People who can be on call: contacts and personal notification rules.",
    )
    schedules: list[Schedule] = Field(
        default_factory=list, description="On-call schedules, each with a unique slug."
    )
    escalation_policies: list[EscalationPolicy] = Field(
        default_factory=list,
        description="Who is paged in which order; a team names its policy.",
    )
    notifications: NotificationSettings = Field(
        default_factory=NotificationSettings,
        description="Channels (email, Slack, webhooks), broadcast routing and retries.",
    )
    projects: list[Project] = Field(
        default_factory=list,
        description="Error-tracking projects that Sentry SDKs send to, each with a unique slug, "
        "id and DSN keys.",
    )
    issue_rules: list[IssueRule] = Field(
        default_factory=list,
        description="What error issues become (incident, attach, notify, ticket); every "
        "matching rule acts, at most once per its interval per issue.",
    )
    sso: SsoSettings | None = Field(
        None, description="Sign-in with OpenID Connect; local passwords work beside it."
    )
    status_pages: list[StatusPage] = Field(
        default_factory=list,
        description="Status pages (/status/<slug>): the services they show and how.",
    )
    trackers: list[Tracker] = Field(
        default_factory=list,
        description="Issue trackers action items and incidents are synced to (GitHub, "
        "GitLab, Jira Cloud, YouTrack, a generic webhook), each with a unique name.",
    )

    postmortems: PostmortemSettings = Field(
        default_factory=PostmortemSettings,
        description="When required postmortems are due and the contributing-factor taxonomy.",
    )
    action_items: ActionItemSettings = Field(
        default_factory=ActionItemSettings,
        description="Reminders and the weekly digest of postmortem action items.",
    )
    insights: InsightsSettings = Field(
        default_factory=InsightsSettings,
        description="Insights: severity weights of the load and the noise report's thresholds.",
    )
    drills: DrillSettings = Field(
        default_factory=DrillSettings,
        description="Game days: drill scenarios injected through the real intake paths.",
    )
    retention: RetentionSettings = Field(
        default_factory=RetentionSettings,
        description="How long raw signals, alert events, deliveries, jobs and error events "
        "are kept.",
    )
    metrics: MetricsSettings = Field(
        default_factory=MetricsSettings,
        description="Metric sources: a Prometheus server, and the embedded store's retention.",
    )
    monitors: list[Monitor] = Field(
        default_factory=list,
        description="Monitors watching metric queries (kind anomaly), each with a unique name.",
    )
    slos: list[Slo] = Field(
        default_factory=list,
        description="Service level objectives, each with a unique name: target, window, "
        "indicator and burn-rate alerts (SRE Workbook multiwindow, multi-burn-rate).",
    )
    forecasts: list[Forecast] = Field(
        default_factory=list,
        description="Capacity forecasts, each with a unique name: when a series will cross "
        "its limit.",
    )
    queues: list[QueueMonitor] = Field(
        default_factory=list,
        description="Queues and backlogs watched for not draining, each with a unique name.",
    )

    _teams: dict[str, Team] = PrivateAttr(default_factory=dict)
    _services: dict[str, Service] = PrivateAttr(default_factory=dict)
    _severity_ranks: dict[str, int] = PrivateAttr(default_factory=dict)
    _integrations: dict[str, Integration] = PrivateAttr(default_factory=dict)
    _integrations_by_key: dict[str, Integration] = PrivateAttr(default_factory=dict)
    _severity_map: dict[str, str] = PrivateAttr(default_factory=dict)
    _people: dict[str, Person] = PrivateAttr(default_factory=dict)
    _schedules: dict[str, Schedule] = PrivateAttr(default_factory=dict)
    _policies: dict[str, EscalationPolicy] = PrivateAttr(default_factory=dict)
    _projects: dict[str, Project] = PrivateAttr(default_factory=dict)
    _projects_by_id: dict[int, Project] = PrivateAttr(default_factory=dict)
    _project_keys: dict[str, tuple[Project, DsnKey]] = PrivateAttr(default_factory=dict)

    @classmethod
    def default(cls) -> Config:
        """The configuration of an empty file: default severities, no teams, no services."""
        return cls()

    @model_validator(mode="after")
    def _references_resolve(self, info: ValidationInfo) -> Self:
        if isinstance(info.context, dict) and info.context.get(DEFER_REFERENCES):
            return self
        problems = reference_problems(self._reference_view())
        if problems:
            raise config_problem(
                "; ".join(f"{format_path(p.loc)}: {p.render(format_path)}" for p in problems)
            )
        return self

    @model_validator(mode="after")
    def _monitors_resolve(self) -> Self:
        names: set[str] = set()
        teams = {t.slug for t in self.teams}
        services = {s.slug for s in self.services}
        severities = {s.key for s in self.severities}
        for n, monitor in enumerate(self.monitors):
            where = f"monitors[{n}]"
            if monitor.name in names:
                raise config_problem(f"{where}.name: monitor {monitor.name!r} is defined twice")
            names.add(monitor.name)
            if monitor.team is not None and monitor.team not in teams:
                raise config_problem(f"{where}.team: unknown team {monitor.team!r}")
            if monitor.service is not None and monitor.service not in services:
                raise config_problem(f"{where}.service: unknown service {monitor.service!r}")
            if monitor.severity not in severities:
                raise config_problem(f"{where}.severity: unknown severity {monitor.severity!r}")
            if monitor.source == "prometheus" and self.metrics.prometheus is None:
                raise config_problem(f"{where}.source: prometheus needs metrics.prometheus.url")
        return self

    def model_post_init(self, context: Any, /) -> None:
        for team in self.teams:
            self._teams.setdefault(team.slug, team)
        for service in self.services:
            self._services.setdefault(service.slug, service)
        for rank, severity in enumerate(self.severities):
            self._severity_ranks.setdefault(severity.key, rank)
        for integration in self.integrations:
            self._integrations.setdefault(integration.slug, integration)
            self._integrations_by_key.setdefault(integration.key, integration)
        for person in self.people:
            self._people.setdefault(person.username, person)
        for schedule in self.schedules:
            self._schedules.setdefault(schedule.slug, schedule)
        for policy in self.escalation_policies:
            self._policies.setdefault(policy.slug, policy)
        for project in self.projects:
            self._projects.setdefault(project.slug, project)
            self._projects_by_id.setdefault(project.id, project)
            for key in project.keys:
                self._project_keys.setdefault(key.public_key, (project, key))
        if self.severity_map is not None:
            self._severity_map.update(self.severity_map)
        else:
            self._severity_map.update(
                (label, key)
                for label, key in DEFAULT_SEVERITY_MAP.items()
                if key in self._severity_ranks
            )

    def _reference_view(self) -> dict[str, Any]:
        return {
            "teams": [
                {
                    "slug": team.slug,
                    "escalation_policy": team.escalation_policy,
                    "tracker": team.tracker,
                    "track_incidents": team.track_incidents,
                }
                for team in self.teams
            ],
            "services": [
                {"slug": s.slug, "team": s.team, "depends_on": s.depends_on} for s in self.services
            ],
            "severities": [{"key": severity.key} for severity in self.severities],
            "incident_defaults": self.incident_defaults.model_dump(
                include={"severity", "triage_team"}, exclude_none=True
            ),
            # As written: the checks tell a key that was given from one left out.
            **self.model_dump(
                include={
                    "integrations",
                    "severity_map",
                    "alert_rules",
                    "people",
                    "schedules",
                    "escalation_policies",
                    "notifications",
                    "projects",
                    "issue_rules",
                    "status_pages",
                    "trackers",
                    "slos",
                    "forecasts",
                    "queues",
                },
                exclude_unset=True,
            ),
        }

    def tracker(self, name: str) -> Tracker | None:
        return next((tracker for tracker in self.trackers if tracker.name == name), None)

    def slo(self, name: str) -> Slo | None:
        return next((slo for slo in self.slos if slo.name == name), None)

    def team(self, slug: str) -> Team | None:
        return self._teams.get(slug)

    def service(self, slug: str) -> Service | None:
        return self._services.get(slug)

    def severity(self, key: str) -> Severity | None:
        rank = self._severity_ranks.get(key)
        return None if rank is None else self.severities[rank]

    def severity_rank(self, key: str) -> int:
        """0 for the most severe; raises KeyError for an unknown key."""
        try:
            return self._severity_ranks[key]
        except KeyError:
            raise KeyError(f"unknown severity {key!r}") from None

    def severity_keys(self) -> list[str]:
        return [severity.key for severity in self.severities]

    def services_of(self, team: str) -> list[Service]:
        return [service for service in self.services if service.team == team]

    def person(self, username: str) -> Person | None:
        return self._people.get(username)

    def schedule(self, slug: str) -> Schedule | None:
        return self._schedules.get(slug)

    def escalation_policy(self, slug: str) -> EscalationPolicy | None:
        return self._policies.get(slug)

    def schedules_of(self, team: str) -> list[Schedule]:
        return [schedule for schedule in self.schedules if schedule.team == team]

    def integration(self, slug: str) -> Integration | None:
        return self._integrations.get(slug)

    def integration_by_key(self, key: str) -> Integration | None:
        """The integration whose secret key (URL token, PagerDuty routing_key) is ``key``."""
        return self._integrations_by_key.get(key)

    def status_page(self, slug: str) -> StatusPage | None:
        return next((page for page in self.status_pages if page.slug == slug), None)

    @property
    def severity_ranks(self) -> Mapping[str, int]:
        """Severity key -> rank, 0 the most severe."""
        return self._severity_ranks

    def drill(self, name: str) -> DrillScenario | None:
        return next((s for s in self.drills.scenarios if s.name == name), None)

    def project(self, slug: str) -> Project | None:
        return self._projects.get(slug)

    def project_by_id(self, project_id: int) -> Project | None:
        return self._projects_by_id.get(project_id)

    def project_key(self, public_key: str) -> tuple[Project, DsnKey] | None:
        """The project whose DSN key is ``public_key``, with the key."""
        return self._project_keys.get(public_key)

    @property
    def effective_severity_map(self) -> dict[str, str]:
        """``severity_map``, or the default map restricted to the severities defined here."""
        return dict(self._severity_map)

    def incident_severity_for(self, label: str | None) -> str | None:
        """Incident severity key for an alert's severity label (case-insensitive), or None."""
        if label is None:
            return None
        return self._severity_map.get(label.strip().lower())
