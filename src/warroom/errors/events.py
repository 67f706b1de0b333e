"""From a stored event item to what the issue needs: the normalised event, its grouping
hashes, title and culprit, and the values issues count by (user, tags, release)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from warroom.errors.grouping import compute_grouping
from warroom.errors.items import ClaimedItem
from warroom.errors.normalize import InvalidEvent, normalize_event
from warroom.errors.titles import EventDescription, describe

MAX_TAG_LENGTH = 200
USER_KEY_FIELDS = ("id", "email", "username", "ip_address")
"""What identifies a user, in Sentry's order (the ``sentry:user`` tag)."""
BUILT_IN_TAGS = ("level", "environment", "release", "server_name", "transaction", "logger")


@dataclass
class PreparedEvent:
    item: ClaimedItem
    event_id: str
    event: dict[str, Any]
    hashes: list[str]
    description: EventDescription
    timestamp: datetime
    level: str
    release: str | None
    environment: str
    user_key: str | None
    tags: list[tuple[str, str]]

    @property
    def received_at(self) -> datetime:
        return self.item.received_at


class InvalidItem(ValueError):
    """The item's payload is not an event: dropped with this reason, the rest goes on."""


def user_key(event: dict[str, Any]) -> str | None:
    user = event.get("user")
    if not isinstance(user, dict):
        return None
    for field in USER_KEY_FIELDS:
        value = user.get(field)
        if value not in (None, ""):
            return f"{field}:{value}"[:255]
    return None


def _url(event: dict[str, Any]) -> str | None:
    request = event.get("request")
    url = request.get("url") if isinstance(request, dict) else None
    return url if isinstance(url, str) and url else None


def tags_of(event: dict[str, Any], user: str | None) -> list[tuple[str, str]]:
    """The event's tags and the values Sentry tags every event with (level, environment,
    release, user, url, ...), each key once, cut to Sentry's lengths."""
    found: dict[str, str] = {}
    for name in BUILT_IN_TAGS:
        value = event.get(name)
        if isinstance(value, str) and value:
            found[name] = value
    if user is not None:
        found["user"] = user
    url = _url(event)
    if url is not None:
        found["url"] = url
    for pair in event.get("tags") or ():
        if isinstance(pair, list | tuple) and len(pair) == 2:
            key, value = pair
            if isinstance(key, str) and isinstance(value, str) and key and value:
                found.setdefault(key, value)
    return [(k[:MAX_TAG_LENGTH], v[:MAX_TAG_LENGTH]) for k, v in found.items()]


def prepare(item: ClaimedItem, platform: str) -> PreparedEvent:
    """Raises ``InvalidItem`` for a payload that is not an event."""
    try:
        raw = orjson.loads(item.payload)
    except orjson.JSONDecodeError as exc:
        raise InvalidItem(f"event is not valid JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise InvalidItem("event is not a JSON object")
    if item.event_id is not None:
        raw["event_id"] = item.event_id
    trace = item.headers.get("trace")
    if isinstance(trace, dict):  # the envelope's trace names them when the event does not
        for name in ("release", "environment"):
            if raw.get(name) is None and isinstance(trace.get(name), str):
                raw[name] = trace[name]
    try:
        event = normalize_event(raw, received_at=item.received_at, platform=platform)
    except InvalidEvent as exc:
        raise InvalidItem(f"{exc.field}: {exc}") from None
    grouping = compute_grouping(event)
    user = user_key(event)
    release = event.get("release")
    return PreparedEvent(
        item=item,
        event_id=event["event_id"],
        event=event,
        hashes=list(grouping.hashes),
        description=describe(event),
        timestamp=datetime.fromtimestamp(float(event["timestamp"]), UTC),
        level=str(event.get("level") or "error"),
        release=release if isinstance(release, str) and release else None,
        environment=str(event.get("environment") or "production"),
        user_key=user,
        tags=tags_of(event, user),
    )
