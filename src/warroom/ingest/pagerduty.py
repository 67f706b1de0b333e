"""PagerDuty Events API v2: alert events (``/v2/enqueue``) and change events
(``/v2/change/enqueue``), so any tool that can page PagerDuty can page warroom.

An event is checked whole and every problem is reported at once, in PagerDuty's words and
naming the field (``'payload.summary' is missing or blank``). Unknown keys are ignored.
One alert event is one signal, identified by its ``dedup_key``; a trigger without one gets a
new key. Acknowledge and resolve carry no payload (PagerDuty ignores it for them).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from warroom.clock import as_utc
from warroom.config.intake import PAGERDUTY_KEY_LENGTH
from warroom.ingest.drill import DRILL_LABEL, MAX_TOKEN
from warroom.ingest.errors import IngestError
from warroom.ingest.models import SignalAction
from warroom.ingest.signal import SignalIn

BODY_LIMIT = 512 * 1024
MAX_DEDUP_KEY = 255
MAX_SUMMARY = 1024
MAX_GROUP = 1024  # alerts.group_key
MAX_SOURCE = 255  # service_changes.source
SEVERITIES = ("critical", "error", "warning", "info")
ACTIONS = {action.value: action for action in SignalAction}
LABELLED = ("source", "component", "group", "class")
"""Payload fields kept as labels (beside severity), so matchers and rules can use them."""


class InvalidEvent(IngestError):
    """PagerDuty's 400: the event is refused with every problem found."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__(400, errors[0])
        self.errors = errors


@dataclass(frozen=True)
class AlertEvent:
    routing_key: str
    dedup_key: str
    signal: SignalIn


@dataclass(frozen=True)
class ChangeEvent:
    routing_key: str
    summary: str
    source: str | None
    timestamp: datetime | None
    custom_details: dict[str, Any]
    links: list[dict[str, str]] = field(default_factory=list)


class _Checker:
    """Reads fields of one event, collecting what is wrong instead of stopping at the first."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def fail(self, message: str) -> None:
        self.errors.append(message)

    def done(self) -> None:
        if self.errors:
            raise InvalidEvent(self.errors)

    def text(
        self,
        obj: dict[str, Any],
        key: str,
        path: str,
        *,
        required: bool = False,
        max_length: int | None = None,
    ) -> str | None:
        """A string field; blank counts as absent."""
        value = obj.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(f"'{path}' is missing or blank")
            return None
        if not isinstance(value, str):
            self.fail(f"'{path}' must be a string")
            return None
        if "\x00" in value:  # no database text column can hold it
            self.fail(f"'{path}' must not contain NUL characters")
            return None
        if max_length is not None and len(value) > max_length:
            self.fail(f"'{path}' is too long (max {max_length})")
            return None
        return value

    def obj(self, value: Any, path: str, *, required: bool = False) -> dict[str, Any] | None:
        if value is None:
            if required:
                self.fail(f"'{path}' is missing or blank")
            return None
        if not isinstance(value, dict):
            self.fail(f"'{path}' must be an object")
            return None
        return value

    def items(self, doc: dict[str, Any], key: str) -> list[tuple[str, dict[str, Any]]]:
        """The objects of the list ``doc[key]`` with their paths (absent means empty)."""
        value = doc.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(f"'{key}' must be a list")
            return []
        out = []
        for index, item in enumerate(value):
            path = f"{key}[{index}]"
            checked = self.obj(item, path, required=True)
            if checked is not None:
                out.append((path, checked))
        return out

    def timestamp(self, obj: dict[str, Any], path: str) -> datetime | None:
        value = obj.get("timestamp")
        if value is None or value == "":
            return None
        try:
            moment = datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            moment = None
        if moment is None:
            self.fail(f"'{path}' is not a valid ISO 8601 timestamp")
            return None
        try:
            return as_utc(moment)
        except OverflowError:  # e.g. 9999-12-31T23:59:59-14:00
            self.fail(f"'{path}' is out of range")
            return None

    def routing_key(self, doc: dict[str, Any]) -> str:
        key = self.text(doc, "routing_key", "routing_key", required=True)
        if key is not None and len(key) != PAGERDUTY_KEY_LENGTH:
            self.fail(
                f"Length of 'routing_key' is incorrect (should be {PAGERDUTY_KEY_LENGTH} "
                "characters)"
            )
        return key or ""

    def links(self, doc: dict[str, Any]) -> list[dict[str, str]]:
        links = []
        for path, item in self.items(doc, "links"):
            href = self.text(item, "href", f"{path}.href", required=True)
            text = self.text(item, "text", f"{path}.text")
            if href is not None:
                links.append({"href": href, "text": text or href})
        return links

    def images(self, doc: dict[str, Any]) -> list[dict[str, str]]:
        images = []
        for path, item in self.items(doc, "images"):
            src = self.text(item, "src", f"{path}.src", required=True)
            extra = {k: self.text(item, k, f"{path}.{k}") for k in ("href", "alt")}
            if src is not None:
                images.append({"src": src, **{k: v for k, v in extra.items() if v is not None}})
        return images


def document(doc: Any) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise InvalidEvent(["Event object must be a JSON object"])
    return doc


def routing_key_of(doc: Any) -> str | None:
    """The routing key as sent, to attribute a refusal to its integration."""
    key = doc.get("routing_key") if isinstance(doc, dict) else None
    return key if isinstance(key, str) else None


def parse_event(doc: Any) -> AlertEvent:
    """An Events API v2 alert event (trigger, acknowledge or resolve)."""
    body = document(doc)
    check = _Checker()
    routing_key = check.routing_key(body)
    action_name = check.text(body, "event_action", "event_action", required=True)
    action = ACTIONS.get(action_name) if action_name is not None else None
    if action_name is not None and action is None:
        check.fail(f"'event_action' must be one of {', '.join(ACTIONS)}")
    needs_key = action is not None and action is not SignalAction.TRIGGER
    dedup_key = check.text(body, "dedup_key", "dedup_key", required=needs_key)
    if dedup_key is not None and len(dedup_key) > MAX_DEDUP_KEY:
        check.fail(f"Length of 'dedup_key' is too long (max {MAX_DEDUP_KEY})")
    key = dedup_key or uuid.uuid4().hex
    trigger = _trigger(check, body, key) if action is SignalAction.TRIGGER else None
    check.done()
    assert action is not None  # a missing or unknown action was reported above
    return AlertEvent(routing_key, key, trigger or SignalIn(action=action, identity=key))


def _trigger(check: _Checker, body: dict[str, Any], key: str) -> SignalIn | None:
    payload = check.obj(body.get("payload"), "payload", required=True)
    links = check.links(body)
    images = check.images(body)
    if payload is None:
        return None
    summary = check.text(
        payload, "summary", "payload.summary", required=True, max_length=MAX_SUMMARY
    )
    severity = check.text(payload, "severity", "payload.severity", required=True)
    if severity is not None and severity not in SEVERITIES:
        check.fail(f"'payload.severity' must be one of {', '.join(SEVERITIES)}")
    source = check.text(payload, "source", "payload.source", required=True)
    group = check.text(payload, "group", "payload.group", max_length=MAX_GROUP)
    values = {
        "source": source,
        "component": check.text(payload, "component", "payload.component"),
        "group": group,
        "class": check.text(payload, "class", "payload.class"),
    }
    starts_at = check.timestamp(payload, "payload.timestamp")
    client = check.text(body, "client", "client")
    client_url = check.text(body, "client_url", "client_url")
    if client_url is not None:
        links.append({"href": client_url, "text": client or client_url})
    labels = {k: v for k in LABELLED if (v := values[k]) is not None}
    details: dict[str, Any] = dict(labels)
    custom = payload.get("custom_details")
    drill = custom.get(DRILL_LABEL) if isinstance(custom, dict) else None
    if isinstance(drill, str) and drill:
        labels[DRILL_LABEL] = drill[:MAX_TOKEN]
    for name, value in (
        ("custom_details", custom),
        ("client", client),
        ("client_url", client_url),
        ("images", images),
    ):
        if value is not None and value != []:
            details[name] = value
    return SignalIn(
        action=SignalAction.TRIGGER,
        identity=key,
        title=summary or "",
        severity=severity,
        labels={"severity": severity or "", **labels},
        links=links,
        group_key=group,
        starts_at=starts_at,
        details=details,
    )


def parse_change(doc: Any) -> ChangeEvent:
    """An Events API v2 change event (a deploy, a config change)."""
    body = document(doc)
    check = _Checker()
    routing_key = check.routing_key(body)
    payload = check.obj(body.get("payload"), "payload", required=True)
    links = check.links(body)
    change = _change(check, routing_key, payload, links) if payload is not None else None
    check.done()
    assert change is not None  # a missing payload was reported above
    return change


def _change(
    check: _Checker, routing_key: str, payload: dict[str, Any], links: list[dict[str, str]]
) -> ChangeEvent:
    summary = check.text(
        payload, "summary", "payload.summary", required=True, max_length=MAX_SUMMARY
    )
    source = check.text(payload, "source", "payload.source", max_length=MAX_SOURCE)
    timestamp = check.timestamp(payload, "payload.timestamp")
    custom = payload.get("custom_details")
    details = custom if isinstance(custom, dict) else {} if custom is None else {"text": custom}
    return ChangeEvent(routing_key, summary or "", source, timestamp, details, links)
