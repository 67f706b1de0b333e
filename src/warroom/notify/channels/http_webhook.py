"""Outgoing webhooks: a JSON POST signed with HMAC-SHA256.

Headers: ``X-Warroom-Timestamp`` (Unix seconds), ``X-Warroom-Signature: sha256=<hex>`` over
``f"{timestamp}.{body}"``, ``X-Warroom-Delivery`` (stable across retries: drop repeats).
The secret is the one of the matching ``notifications.webhooks`` entry; a person's webhook
contact (an SMS or push gateway) is signed with ``WARROOM_WEBHOOK_SECRET`` when it is set.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import orjson
from sqlalchemy.orm import Session

from warroom import __version__
from warroom.notify.channels import DeliveryFailed, SendContext
from warroom.notify.models import Channel, Delivery
from warroom.notify.rendering import message_of, page_actions

PERSONAL_SECRET_ENV = "WARROOM_WEBHOOK_SECRET"
TIMEOUT_SECONDS = 10.0
RETRYABLE_STATUSES = frozenset({408, 425, 429})


def signature(secret: bytes, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """A ``Retry-After`` header (RFC 9110: seconds or an HTTP date) in seconds from ``now``."""
    if not value:
        return None
    value = value.strip()
    if value.isdecimal() and value.isascii():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max((when - now).total_seconds(), 0.0)


class WebhookSender:
    channel = Channel.WEBHOOK

    def __init__(self) -> None:
        # One client for every delivery: building one per request (TLS context included)
        # costs about 100 ms, far more than a POST on a LAN.
        self._client = httpx.Client(timeout=TIMEOUT_SECONDS)

    def secret_for(self, delivery: Delivery, context: SendContext) -> bytes | None:
        hook_slug = delivery.payload.get("webhook")
        for hook in context.config.notifications.webhooks:
            if hook.slug == hook_slug or (hook_slug is None and hook.url == delivery.target):
                value = os.environ.get(hook.secret_env)
                if value is None:
                    raise DeliveryFailed(
                        f"environment variable {hook.secret_env} (secret of webhook "
                        f"{hook.slug!r}) is not set"
                    )
                return value.encode()
        personal = os.environ.get(PERSONAL_SECRET_ENV)
        return personal.encode() if personal else None

    def body(self, delivery: Delivery, context: SendContext) -> dict[str, Any]:
        body = dict(delivery.payload)
        body.pop("webhook", None)
        actions, _expires = page_actions(delivery, context)
        if actions:
            body["actions"] = actions
        body.setdefault("delivery", delivery.key)
        if "incident" not in body and "incident" in message_of(delivery):
            body["incident"] = message_of(delivery)["incident"]
        return body

    def send(self, delivery: Delivery, context: SendContext) -> dict[str, Any] | None:
        raw = orjson.dumps(self.body(delivery, context))
        timestamp = int(context.now.timestamp())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": f"warroom/{__version__}",
            "X-Warroom-Delivery": delivery.key,
            "X-Warroom-Timestamp": str(timestamp),
        }
        secret = self.secret_for(delivery, context)
        if secret is not None:
            headers["X-Warroom-Signature"] = signature(secret, timestamp, raw)
        try:
            response = self._client.post(delivery.target, content=raw, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc
        if response.is_success:
            return {"status": response.status_code}
        retryable = response.status_code >= 500 or response.status_code in RETRYABLE_STATUSES
        raise DeliveryFailed(
            f"HTTP {response.status_code}: {response.text[:200]}",
            retryable=retryable,
            retry_after=retry_after_seconds(response.headers.get("retry-after"), context.now),
        )

    def delivered(self, session: Session, delivery: Delivery, now: datetime) -> None:
        return None
