"""Notification channels (SMTP email, Slack, outgoing webhooks), routing and retries."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pydantic import Field, StrictBool, StrictInt, model_validator

from .base import StrictModel
from .values import Duration, HttpUrlStr, NonEmptyStr, SeverityKey, Slug, config_problem


class EmailSettings(StrictModel):
    """Email over SMTP."""

    host: NonEmptyStr = Field(description="SMTP server host.")
    port: StrictInt = Field(25, ge=1, le=65535, description="SMTP port.")
    starttls: StrictBool = Field(False, description="Upgrade the connection with STARTTLS.")
    tls: StrictBool = Field(False, description="Connect with implicit TLS (port 465).")
    username: str | None = Field(None, description="SMTP login, if the server needs one.")
    password_env: str | None = Field(
        None, description="Name of the environment variable holding the SMTP password."
    )
    ca_file: Path | None = Field(
        None,
        description="PEM file of CA certificates to trust for the server's certificate (with "
        "starttls or tls), e.g. an internal CA; none: the system's trust store. The host name "
        "is verified either way.",
    )
    from_address: NonEmptyStr = Field(description="From: address of warroom's email.")
    timeout: Duration = Field(
        default=timedelta(seconds=10), description="Connect and send timeout."
    )

    @model_validator(mode="after")
    def _one_kind_of_tls(self) -> EmailSettings:
        if self.starttls and self.tls:
            raise config_problem(
                "starttls and tls: choose one (tls: implicit TLS, usually port 465; starttls: "
                "upgrade a plain connection, usually port 587)"
            )
        return self


class SlackSettings(StrictModel):
    """Slack Web API (a bot token) and inbound requests (slash command, buttons)."""

    bot_token_env: NonEmptyStr = Field(
        description="Environment variable holding the bot token (xoxb-...)."
    )
    signing_secret_env: NonEmptyStr = Field(
        description="Environment variable holding the app's signing secret."
    )
    api_url: HttpUrlStr = Field(
        "https://slack.com/api/", description="Base URL of the Slack Web API."
    )
    dedicated_channel_severities: list[SeverityKey] = Field(
        default_factory=lambda: ["SEV1", "SEV2"],
        description="Severities that get their own channel inc-<number>-<slug>.",
    )


class OutgoingWebhook(StrictModel):
    """A JSON POST of every incident event, signed with HMAC-SHA256."""

    slug: Slug = Field(description="Identifier, unique across webhooks.")
    url: HttpUrlStr = Field(description="Where to POST.")
    secret_env: NonEmptyStr = Field(description="Environment variable holding the signing secret.")
    teams: list[Slug] = Field(
        default_factory=list, description="Only incidents of these teams; empty: all."
    )
    min_severity: SeverityKey | None = Field(
        None, description="Only incidents at least this severe; none: all."
    )


class RetrySettings(StrictModel):
    """Exponential backoff with jitter; after the last attempt a delivery is a dead letter."""

    max_attempts: StrictInt = Field(
        12,
        ge=1,
        le=100,
        description="Attempts before giving up; the default rides out an outage of about 15 "
        "minutes at the least (25 on average).",
    )
    first_delay: Duration = Field(
        default=timedelta(seconds=5), description="Delay after the first failure."
    )
    max_delay: Duration = Field(
        default=timedelta(minutes=5), description="Longest delay between attempts."
    )


class NotificationSettings(StrictModel):
    """How warroom reaches people and channels."""

    email: EmailSettings | None = Field(None, description="SMTP; without it, no email.")
    slack: SlackSettings | None = Field(None, description="Slack; without it, no Slack.")
    webhooks: list[OutgoingWebhook] = Field(
        default_factory=list, description="Outgoing webhooks for incident events."
    )
    incidents_channel: NonEmptyStr | None = Field(
        None,
        description="The general incidents channel (Slack '#incidents' or an email address) "
        "that hears about broadcast severities.",
    )
    broadcast_severities: list[SeverityKey] = Field(
        default_factory=lambda: ["SEV1", "SEV2"],
        description="Severities announced in the general incidents channel.",
    )
    link_valid_for: Duration = Field(
        default=timedelta(hours=24),
        description="How long acknowledge/resolve links in emails stay valid.",
    )
    remind_every: Duration = Field(
        default=timedelta(minutes=10),
        description="While a status update is overdue, remind again this often.",
    )
    retry: RetrySettings = Field(default_factory=RetrySettings, description="Delivery retries.")
