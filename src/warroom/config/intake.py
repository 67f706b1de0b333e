"""Integrations: where signals come from (Alertmanager, PagerDuty, webhooks, heartbeats).

Which of ``transform`` and ``heartbeat`` an integration needs depends on its kind; those
checks span keys, so they live with the cross-reference checks in ``references``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import Field, StrictInt, ValidationInfo, field_validator

from .base import StrictModel
from .defaults import (
    DEFAULT_HEARTBEAT_GRACE,
    DEFAULT_HEARTBEAT_SEVERITY,
    DEFAULT_HEARTBEAT_TIMEZONE,
    DEFAULT_RATE_LIMIT_BURST,
    DEFAULT_RATE_LIMIT_PER_SECOND,
)
from .values import (
    CronExpression,
    Duration,
    IntegrationKey,
    LabelName,
    NonEmptyStr,
    Slug,
    Template,
    TimeZoneName,
    config_problem,
    parse_duration,
)

PAGERDUTY_KEY_LENGTH = 32
ALERT_STATUSES = ("firing", "resolved")

PositiveNumber = Annotated[float, Field(gt=0, strict=True)]


class IntegrationKind(StrEnum):
    """The protocol a source speaks."""

    ALERTMANAGER = "alertmanager"
    PAGERDUTY = "pagerduty"
    WEBHOOK = "webhook"
    HEARTBEAT = "heartbeat"
    METRICS = "metrics"
    """Pushes samples into the embedded metric store (remote-write, JSON push API)."""


class RateLimit(StrictModel):
    """A token bucket per integration: signals beyond it are answered 429 and counted."""

    per_second: PositiveNumber = Field(
        DEFAULT_RATE_LIMIT_PER_SECOND,
        description="Sustained signals per second; more than 0, fractions allowed. Default 200.",
    )
    burst: StrictInt = Field(
        DEFAULT_RATE_LIMIT_BURST,
        ge=1,
        description="Signals accepted at once above the sustained rate. Default 2000.",
    )


class TransformLink(StrictModel):
    """A link attached to the alert, both parts templates."""

    href: Template = Field(description="Template of the URL.")
    text: Template | None = Field(None, description="Template of the link text.")


class WebhookTransform(StrictModel):
    """How a generic JSON webhook becomes an alert: Jinja2 templates over ``payload``."""

    title: Template = Field(description="Template of the alert title.")
    dedup_key: Template = Field(
        description="Template of the key that identifies the alert across deliveries."
    )
    status: Template = Field(description="Template that renders to firing or resolved.")
    severity: Template | None = Field(
        None, description="Template of the alert's severity label, e.g. critical or warning."
    )
    description: Template | None = Field(None, description="Template of the description.")
    source: Template | None = Field(None, description="Template of the source (host, job).")
    starts_at: Template | None = Field(
        None, description="Template of the start time (ISO 8601); default: when received."
    )
    environment: Template | None = Field(None, description="Template of the environment.")
    service: Template | None = Field(None, description="Template of the service slug.")
    team: Template | None = Field(None, description="Template of the owning team slug.")
    labels: dict[LabelName, Template] = Field(
        default_factory=dict, description="Label name -> template of its value."
    )
    links: list[TransformLink] = Field(
        default_factory=list, description="Links to attach: {href: template, text: template}."
    )

    @field_validator("status")
    @classmethod
    def _status_can_be_firing_or_resolved(cls, status: str) -> str:
        if "{" not in status and status.strip() not in ALERT_STATUSES:
            raise config_problem(
                f"status {status!r} is neither firing nor resolved: write one of them, or a "
                "template that renders to one, e.g. "
                "\"{{ 'resolved' if payload.state == 'ok' else 'firing' }}\""
            )
        return status


class HeartbeatSpec(StrictModel):
    """When a heartbeat integration expects its pings; a missed one raises an alert."""

    interval: Duration | None = Field(
        None, description="A ping is expected this long after the previous one, e.g. 1h."
    )
    cron: CronExpression | None = Field(
        None, description="Pings are expected on this 5-field cron schedule, e.g. '0 3 * * *'."
    )
    timezone: TimeZoneName = Field(
        DEFAULT_HEARTBEAT_TIMEZONE,
        description="IANA time zone the cron schedule is read in. Default UTC.",
    )
    grace: Duration = Field(
        default=parse_duration(DEFAULT_HEARTBEAT_GRACE),
        description="How late a ping may be before the heartbeat counts as missed. Default 5m.",
    )
    title: NonEmptyStr | None = Field(
        None,
        description="Title of the alert on a missed heartbeat; default "
        "'<integration name> missed its heartbeat'.",
    )
    severity: NonEmptyStr = Field(
        DEFAULT_HEARTBEAT_SEVERITY,
        description="Severity label of that alert (mapped by severity_map). Default critical.",
    )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class Integration(StrictModel):
    """A source of signals, reached at a URL that carries its secret key."""

    slug: Slug = Field(description="Identifier; unique across integrations.")
    kind: IntegrationKind = Field(
        description="alertmanager, pagerduty, webhook, heartbeat or metrics."
    )
    key: IntegrationKey = Field(
        repr=False,
        description="The secret in the URL (the routing_key for pagerduty): 16 to 128 letters, "
        "digits, '-' and '_', exactly 32 for pagerduty; unique across integrations.",
    )
    name: NonEmptyStr | None = Field(None, description="Display name; default the slug.")
    team: NonEmptyStr | None = Field(
        None, description="Slug of the team owning its alerts when nothing else decides."
    )
    service: NonEmptyStr | None = Field(
        None, description="Slug of the service its alerts belong to when they name none."
    )
    environment: NonEmptyStr | None = Field(
        None, description="Environment of its alerts when they name none, e.g. production."
    )
    rate_limit: RateLimit = Field(
        default=RateLimit(), description="Signals per second it may send. Default 200/s."
    )
    transform: WebhookTransform | None = Field(
        None, description="Required for kind webhook (and only allowed there)."
    )
    heartbeat: HeartbeatSpec | None = Field(
        None, description="Required for kind heartbeat (and only allowed there)."
    )

    @field_validator("key")
    @classmethod
    def _key_fits_kind(cls, key: str, info: ValidationInfo) -> str:
        if info.data.get("kind") is IntegrationKind.PAGERDUTY and len(key) != PAGERDUTY_KEY_LENGTH:
            raise config_problem(
                f"pagerduty routing keys are {PAGERDUTY_KEY_LENGTH} characters, "
                f"this one has {len(key)}"
            )
        return key

    @property
    def display_name(self) -> str:
        return self.name or self.slug

    @property
    def heartbeat_title(self) -> str:
        """Title of the alert raised when a heartbeat is missed."""
        configured = self.heartbeat.title if self.heartbeat is not None else None
        return configured or f"{self.display_name} missed its heartbeat"
