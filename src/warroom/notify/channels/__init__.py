"""Channel senders: each turns one outbox row into a message on the wire.

A sender runs outside any database transaction (see docs/decisions/0006-outbox-leases.md).
It raises ``DeliveryFailed`` to ask for a retry (``retryable=True``) or to give up at once
(a permanent refusal such as an unknown mailbox or a 404 webhook).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from warroom.config import Config
from warroom.notify.models import Channel, Delivery


class DeliveryFailed(Exception):
    def __init__(
        self, message: str, *, retryable: bool = True, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after
        """Seconds the receiver asked us to wait (its ``Retry-After``), if it said."""


@dataclass(frozen=True)
class SendContext:
    """What a sender may need besides the row: the configuration in force, the public URL
    links point at, the key that signs them, and the time of the attempt."""

    config: Config
    public_url: str
    signing_key: bytes
    now: datetime


class ChannelSender(Protocol):
    channel: Channel

    def send(self, delivery: Delivery, context: SendContext) -> dict[str, Any] | None:
        """Deliver, or raise DeliveryFailed; the result is kept in ``delivery.response``."""

    def delivered(self, session: Session, delivery: Delivery, now: datetime) -> None:
        """Runs in the transaction that marks the delivery delivered (may do nothing)."""


def default_senders() -> dict[Channel, ChannelSender]:
    from warroom.notify.channels.http_webhook import WebhookSender
    from warroom.notify.channels.slack.sender import SlackSender
    from warroom.notify.channels.smtp import EmailSender

    senders: dict[Channel, ChannelSender] = {
        Channel.EMAIL: EmailSender(),
        Channel.SLACK: SlackSender(),
        Channel.WEBHOOK: WebhookSender(),
    }
    return senders
