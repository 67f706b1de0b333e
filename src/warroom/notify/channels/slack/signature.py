"""Slack request signatures (v0): HMAC-SHA256 of ``v0:<timestamp>:<raw body>`` with the app's
signing secret, sent in ``X-Slack-Signature``; ``X-Slack-Request-Timestamp`` must be within
five minutes of now. Verified with ``slack_sdk.signature`` on warroom's injected clock."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import datetime

from slack_sdk.signature import Clock, SignatureVerifier

from warroom.config.notify import SlackSettings
from warroom.problems import Unauthorized

SIGNATURE_HEADER = "x-slack-signature"
TIMESTAMP_HEADER = "x-slack-request-timestamp"


class InjectedClock(Clock):
    """slack_sdk's clock interface over warroom's clock (tests move it)."""

    def __init__(self, now: Callable[[], datetime]) -> None:
        self._now = now

    def now(self) -> float:
        return self._now().timestamp()


def signing_secret(settings: SlackSettings) -> str:
    secret = os.environ.get(settings.signing_secret_env, "").strip()
    if not secret:
        raise Unauthorized(
            f"Slack requests are refused: the environment variable "
            f"{settings.signing_secret_env} (notifications.slack.signing_secret_env) is empty",
            field=SIGNATURE_HEADER,
        )
    return secret


def verify_request(
    secret: str, body: bytes, headers: Mapping[str, str], now: Callable[[], datetime]
) -> None:
    """Raise Unauthorized unless Slack signed ``body`` with ``secret`` in the last 5 minutes."""
    timestamp = headers.get(TIMESTAMP_HEADER)
    signature = headers.get(SIGNATURE_HEADER)
    if not timestamp or not signature:
        missing = TIMESTAMP_HEADER if not timestamp else SIGNATURE_HEADER
        raise Unauthorized(f"missing {missing} header", field=missing)
    if not (timestamp.strip().isdecimal() and timestamp.strip().isascii()):
        raise Unauthorized("the request timestamp is not a number", field=TIMESTAMP_HEADER)
    verifier = SignatureVerifier(secret, clock=InjectedClock(now))
    if abs(now().timestamp() - int(timestamp)) > 60 * 5:
        raise Unauthorized(
            "the request timestamp is more than 5 minutes away", field=TIMESTAMP_HEADER
        )
    try:
        valid = verifier.is_valid(body=body, timestamp=timestamp, signature=signature)
    except UnicodeDecodeError:
        valid = False
    if not valid:
        raise Unauthorized("the Slack request signature does not match", field=SIGNATURE_HEADER)
