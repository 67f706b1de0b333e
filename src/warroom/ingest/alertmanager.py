"""Prometheus Alertmanager: the webhook receiver (payload version 4) and the Alertmanager v2
API's ``POST /api/v2/alerts`` (so Prometheus can send to warroom directly).

One signal per alert, identified by its fingerprint (computed from the labels when the
sender gives none, as Alertmanager does). Unknown keys are ignored.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import orjson

from warroom.ingest.http import IngestError
from warroom.ingest.models import SignalAction
from warroom.ingest.signal import SignalIn

ZERO_TIME_YEAR = 1  # Alertmanager's "0001-01-01T00:00:00Z" means "not set"
BODY_LIMIT = 10 * 1024 * 1024


def _object(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise IngestError(400, f"{field} must be an object", field=field)
    return value


def _string_map(value: Any, field: str) -> dict[str, str]:
    if value is None:
        return {}
    mapping = _object(value, field)
    for key, item in mapping.items():
        if not isinstance(item, str):
            raise IngestError(400, f"{field}.{key} must be a string", field=f"{field}.{key}")
    return mapping


def _time(value: Any, field: str) -> datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise IngestError(400, f"{field} must be an RFC 3339 time string", field=field)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise IngestError(400, f"{field} is not an RFC 3339 time: {value!r}", field=field) from None
    if moment.year <= ZERO_TIME_YEAR:
        return None
    try:
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    except OverflowError:
        raise IngestError(400, f"{field} is out of range: {value!r}", field=field) from None


def labels_fingerprint(labels: dict[str, str]) -> str:
    """A stable identity for a label set, for senders that give no fingerprint."""
    return hashlib.md5(orjson.dumps(labels, option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]


def _signal(
    alert: dict[str, Any], field: str, now: datetime, group_key: str | None, status: str | None
) -> SignalIn:
    labels = _string_map(alert.get("labels"), f"{field}.labels")
    if not labels:
        raise IngestError(400, f"{field}.labels must not be empty", field=f"{field}.labels")
    annotations = _string_map(alert.get("annotations"), f"{field}.annotations")
    starts_at = _time(alert.get("startsAt"), f"{field}.startsAt")
    ends_at = _time(alert.get("endsAt"), f"{field}.endsAt")
    if status is None:  # v2 API: resolved when endsAt has passed
        status = "resolved" if ends_at is not None and ends_at <= now else "firing"
    if status not in ("firing", "resolved"):
        raise IngestError(
            400,
            f"{field}.status must be 'firing' or 'resolved', not {status!r}",
            field=f"{field}.status",
        )
    fingerprint = alert.get("fingerprint")
    if fingerprint is not None and (not isinstance(fingerprint, str) or not fingerprint):
        raise IngestError(
            400, f"{field}.fingerprint must be a non-empty string", field=f"{field}.fingerprint"
        )
    generator = alert.get("generatorURL")
    links = [{"href": generator, "text": "Source"}] if isinstance(generator, str) else []
    name = labels.get("alertname") or "alert"
    summary = annotations.get("summary")
    return SignalIn(
        action=SignalAction.RESOLVE if status == "resolved" else SignalAction.TRIGGER,
        identity=fingerprint or labels_fingerprint(labels),
        title=f"{name}: {summary}" if summary else name,
        description=annotations.get("description", ""),
        severity=labels.get("severity"),
        environment=labels.get("environment") or labels.get("env"),
        labels=labels,
        annotations=annotations,
        links=links,
        group_key=group_key,
        starts_at=starts_at,
        ends_at=ends_at,
        team=labels.get("team"),
        service=labels.get("service"),
    )


def parse_webhook(doc: Any, now: datetime) -> list[SignalIn]:
    """Alertmanager's webhook notification (version 4)."""
    body = _object(doc, "body")
    alerts = body.get("alerts")
    if not isinstance(alerts, list):
        raise IngestError(400, "alerts must be a list", field="alerts")
    group_key = body.get("groupKey")
    if group_key is not None and not isinstance(group_key, str):
        raise IngestError(400, "groupKey must be a string", field="groupKey")
    signals = []
    for index, alert in enumerate(alerts):
        field = f"alerts[{index}]"
        item = _object(alert, field)
        status = item.get("status")
        if not isinstance(status, str):
            raise IngestError(
                400, f"{field}.status must be 'firing' or 'resolved'", field=f"{field}.status"
            )
        signals.append(_signal(item, field, now, group_key, status))
    return signals


def parse_api_v2(doc: Any, now: datetime) -> list[SignalIn]:
    """Alertmanager's ``POST /api/v2/alerts`` body: a list of postable alerts."""
    if not isinstance(doc, list):
        raise IngestError(400, "body must be a list of alerts", field="body")
    return [_signal(_object(a, f"[{i}]"), f"[{i}]", now, None, None) for i, a in enumerate(doc)]
