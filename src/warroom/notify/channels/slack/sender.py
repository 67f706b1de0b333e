"""Slack deliveries through the Web API (``warroom.notify.channels.slack.client``).

Payload operations: ``post`` (a channel), ``dm`` (a person), ``create_channel`` (an incident's
dedicated channel) and ``invite``. A made channel is recorded, and its responders invited, in
the transaction that marks the delivery delivered (``warroom.notify.channels.slack.channels``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from warroom.config import Config
from warroom.notify.channels import DeliveryFailed, SendContext
from warroom.notify.channels.slack import channels as slack_channels
from warroom.notify.channels.slack.client import SlackCallFailed, perform
from warroom.notify.models import Channel, Delivery
from warroom.notify.rendering import incident_url

MAX_ERROR = 500


def with_incident_url(payload: dict[str, Any], public_url: str) -> dict[str, Any]:
    """The payload with a link to the incident in its message (for the title)."""
    message = payload.get("message")
    if not isinstance(message, dict) or not isinstance(message.get("incident"), dict):
        return payload
    incident = dict(message["incident"])
    incident.setdefault("url", incident_url(public_url, incident))
    return {**payload, "message": {**message, "incident": incident}}


class SlackSender:
    channel = Channel.SLACK

    def __init__(self) -> None:
        self._configs: dict[int, Config] = {}
        """The configuration each delivery was sent under, for its ``delivered`` hook."""

    def send(self, delivery: Delivery, context: SendContext) -> dict[str, Any] | None:
        settings = context.config.notifications.slack
        if settings is None:
            raise DeliveryFailed("Slack is not configured (notifications.slack)", retryable=False)
        try:
            answer = perform(settings, with_incident_url(delivery.payload, context.public_url))
        except SlackCallFailed as failed:
            raise DeliveryFailed(
                f"Slack: {str(failed)[:MAX_ERROR]}",
                retryable=failed.retryable,
                retry_after=failed.retry_after,
            ) from failed
        self._configs[delivery.id] = context.config
        return answer

    def delivered(self, session: Session, delivery: Delivery, now: datetime) -> None:
        config = self._configs.pop(delivery.id, None)
        if config is not None:
            slack_channels.on_delivered(session, config, delivery, now)
