"""Calls to the Slack Web API (``slack_sdk.WebClient``) for the outbox's Slack deliveries.

A delivery's payload names an operation:

- ``{"op": "post", "channel": "#payments" | "C…", "message": {...}}`` — chat.postMessage
- ``{"op": "dm", "user": "U…", "message": {...}}`` — conversations.open, then chat.postMessage
  to the IM channel (the documented way for a bot to start a direct message)
- ``{"op": "create_channel", "incident_id": 7, "number": 7, "title": "..."}`` —
  conversations.create ``inc-<number>-<slug>``; on ``name_taken`` the next name ``…-2``
- ``{"op": "invite", "channel": "C…", "user": "U…"}`` — conversations.invite

Failures are classified: rate limits, 5xx, connection errors and Slack's transient errors are
retryable; everything else Slack answers ``ok: false`` to (``invalid_auth``,
``channel_not_found``, ``not_in_channel``, ...) will not get better by retrying.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from warroom.config.notify import SlackSettings
from warroom.notify.channels.slack import blocks as slack_blocks
from warroom.notify.channels.slack.names import channel_name

TIMEOUT_SECONDS = 10
MAX_NAME_ATTEMPTS = 20
RETRYABLE_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
ALREADY_DONE_ERRORS = frozenset({"already_in_channel"})


@dataclass
class SlackCallFailed(Exception):
    """A Web API call failed; ``retryable`` says whether trying later can help."""

    error: str
    retryable: bool
    retry_after: float | None = None

    def __str__(self) -> str:
        return self.error


def web_client(settings: SlackSettings) -> WebClient:
    token = os.environ.get(settings.bot_token_env, "").strip()
    if not token:
        raise SlackCallFailed(
            f"no bot token: the environment variable {settings.bot_token_env} "
            "(notifications.slack.bot_token_env) is empty",
            retryable=False,
        )
    base_url = settings.api_url if settings.api_url.endswith("/") else f"{settings.api_url}/"
    # The outbox retries with backoff; the client itself must not retry behind its back.
    return WebClient(token=token, base_url=base_url, timeout=TIMEOUT_SECONDS, retry_handlers=[])


def _classify(exc: SlackApiError) -> SlackCallFailed:
    response = exc.response
    status = response.status_code
    data = response.data if isinstance(response.data, dict) else {}
    error = str(data.get("error") or f"HTTP {status}")
    retry_after: float | None = None
    header = response.headers.get("Retry-After") or response.headers.get("retry-after")
    if header is not None:
        try:
            retry_after = float(header)
        except ValueError:
            retry_after = None
    retryable = status == 429 or status >= 500 or error in RETRYABLE_ERRORS
    return SlackCallFailed(f"{error} (HTTP {status})", retryable, retry_after)


def call(client: WebClient, method: str, **params: Any) -> dict[str, Any]:
    """One Web API call; its JSON answer, or SlackCallFailed."""
    try:
        response = client.api_call(method, json=params)
    except SlackApiError as exc:
        raise _classify(exc) from exc
    except (SlackClientError, OSError) as exc:  # connection refused, reset, timeout
        raise SlackCallFailed(f"{type(exc).__name__}: {exc}", retryable=True) from exc
    data = response.data
    return data if isinstance(data, dict) else {}


def post_message(client: WebClient, channel: str, message: dict[str, Any]) -> dict[str, Any]:
    answer = call(
        client,
        "chat.postMessage",
        channel=channel,
        text=slack_blocks.fallback_text(message),
        blocks=slack_blocks.blocks(message),
        unfurl_links=False,
    )
    return {"channel": answer.get("channel"), "ts": answer.get("ts")}


def direct_message(client: WebClient, user: str, message: dict[str, Any]) -> dict[str, Any]:
    opened = call(client, "conversations.open", users=user)
    channel = (opened.get("channel") or {}).get("id")
    if not channel:
        raise SlackCallFailed("conversations.open answered without a channel", retryable=True)
    return post_message(client, channel, message)


def create_channel(client: WebClient, number: int, title: str) -> dict[str, Any]:
    """Create the incident's public channel; a taken name gets the next suffix."""
    for attempt in range(1, MAX_NAME_ATTEMPTS + 1):
        name = channel_name(number, title, attempt)
        try:
            answer = call(client, "conversations.create", name=name, is_private=False)
        except SlackCallFailed as failed:
            if failed.error.startswith("name_taken"):
                continue
            raise
        channel = answer.get("channel") or {}
        return {"channel_id": channel.get("id"), "name": channel.get("name", name)}
    raise SlackCallFailed(
        f"name_taken: {channel_name(number, title)} and {MAX_NAME_ATTEMPTS - 1} suffixes",
        retryable=False,
    )


def invite(client: WebClient, channel: str, user: str) -> dict[str, Any]:
    try:
        call(client, "conversations.invite", channel=channel, users=user)
    except SlackCallFailed as failed:
        if failed.error.split(" ")[0] in ALREADY_DONE_ERRORS:
            return {"channel": channel, "user": user, "already": True}
        raise
    return {"channel": channel, "user": user}


def perform(settings: SlackSettings, payload: dict[str, Any]) -> dict[str, Any]:
    """Carry out one delivery's operation; what Slack answered that matters later."""
    op = payload.get("op")
    client = web_client(settings)
    message = payload.get("message") or {}
    if op == "post":
        return post_message(client, str(payload["channel"]), message)
    if op == "dm":
        return direct_message(client, str(payload["user"]), message)
    if op == "create_channel":
        return create_channel(client, int(payload["number"]), str(payload["title"]))
    if op == "invite":
        return invite(client, str(payload["channel"]), str(payload["user"]))
    raise SlackCallFailed(f"unknown Slack operation {op!r}", retryable=False)
