"""Prometheus Alertmanager: the webhook receiver (payload version 4) and the Alertmanager v2
API's ``POST /api/v2/alerts`` (so Prometheus can send to warroom directly).

One signal per alert, identified by its fingerprint (computed from the labels when the
sender gives none, as Alertmanager does). Unknown keys are ignored.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import orjson

from warroom.ingest.http import IngestError
from warroom.ingest.models import SignalAction
from warroom.ingest.signal import encode

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
    moment = _parse_time(value)
    if moment is None:
        raise IngestError(400, f"{field} is not an RFC 3339 time: {value!r}", field=field)
    if moment is _OUT_OF_RANGE:
        raise IngestError(400, f"{field} is out of range: {value!r}", field=field)
    return None if moment is _UNSET else moment


_UNSET = datetime.min.replace(tzinfo=UTC)
_OUT_OF_RANGE = datetime.max.replace(tzinfo=UTC)


@lru_cache(maxsize=1024)
def _parse_time(value: str) -> datetime | None:
    """A sender's time in UTC (cached: the alerts of a batch mostly share their times);
    None when unreadable, ``_UNSET`` for Alertmanager's zero time, ``_OUT_OF_RANGE``."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.year <= ZERO_TIME_YEAR:
        return _UNSET
    try:
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    except OverflowError:
        return _OUT_OF_RANGE


@lru_cache(maxsize=1024)
def _iso(moment: datetime) -> str:
    return moment.isoformat()


def labels_fingerprint(labels: dict[str, str]) -> str:
    """A stable identity for a label set, for senders that give no fingerprint."""
    return hashlib.md5(orjson.dumps(labels, option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]


_ACTION_TEXT = {action: action.value for action in SignalAction}
Parsed = tuple[SignalAction, str, dict[str, Any]]
"""One alert: action, identity and the stored fields (``warroom.ingest.signal.encode``)."""


def _signal(
    alert: dict[str, Any], field: str, now: datetime, group_key: str | None, status: str | None
) -> Parsed:
    """Checks one alert and builds its stored fields straight from the parsed JSON (the
    same fields and order as ``SignalIn._fields``, without the intermediate object)."""
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
    name = labels.get("alertname") or "alert"
    summary = annotations.get("summary")
    fields = {
        "title": f"{name}: {summary}" if summary else name,
        "description": annotations.get("description", ""),
        "severity": labels.get("severity"),
        "environment": labels.get("environment") or labels.get("env"),
        "labels": labels,
        "annotations": annotations,
        "links": [{"href": generator, "text": "Source"}] if isinstance(generator, str) else [],
        "group_key": group_key,
        "starts_at": _iso(starts_at) if starts_at is not None else None,
        "ends_at": _iso(ends_at) if ends_at is not None else None,
        "team": labels.get("team"),
        "service": labels.get("service"),
        "details": {},
    }
    action = SignalAction.RESOLVE if status == "resolved" else SignalAction.TRIGGER
    return action, fingerprint or labels_fingerprint(labels), fields


def _plain_strings(mapping: dict[str, Any]) -> bool:
    for item in mapping.values():  # noqa: SIM110 (a loop is faster than all())
        if type(item) is not str:
            return False
    return True


def _quick_time(value: Any) -> datetime | None:
    """``_time`` without field names: ``_OUT_OF_RANGE`` for anything ``_time`` refuses."""
    if value is None or value == "":
        return None
    if type(value) is not str:
        return _OUT_OF_RANGE
    moment = _parse_time(value)
    if moment is None:
        return _OUT_OF_RANGE
    return None if moment is _UNSET else moment


def _quick(
    alert: Any, now: datetime, group_key: str | None, status: str | None
) -> Parsed | None:
    """``_signal`` for the common, well-formed alert, without building field names; None
    when anything is off, and ``_signal`` then finds and names the fault."""
    if type(alert) is not dict:
        return None
    labels = alert.get("labels")
    if type(labels) is not dict or not labels or not _plain_strings(labels):
        return None
    annotations = alert.get("annotations")
    if annotations is None:
        annotations = {}
    elif type(annotations) is not dict or not _plain_strings(annotations):
        return None
    starts_at = _quick_time(alert.get("startsAt"))
    ends_at = _quick_time(alert.get("endsAt"))
    if starts_at is _OUT_OF_RANGE or ends_at is _OUT_OF_RANGE:
        return None  # not a string, unreadable or out of range
    if status is None:
        status = "resolved" if ends_at is not None and ends_at <= now else "firing"
    elif status != "firing" and status != "resolved":  # noqa: PLR1714
        return None
    fingerprint = alert.get("fingerprint")
    if fingerprint is not None and (type(fingerprint) is not str or not fingerprint):
        return None
    generator = alert.get("generatorURL")
    name = labels.get("alertname") or "alert"
    summary = annotations.get("summary")
    fields = {
        "title": f"{name}: {summary}" if summary else name,
        "description": annotations.get("description", ""),
        "severity": labels.get("severity"),
        "environment": labels.get("environment") or labels.get("env"),
        "labels": labels,
        "annotations": annotations,
        "links": [{"href": generator, "text": "Source"}] if isinstance(generator, str) else [],
        "group_key": group_key,
        "starts_at": _iso(starts_at) if starts_at is not None else None,
        "ends_at": _iso(ends_at) if ends_at is not None else None,
        "team": labels.get("team"),
        "service": labels.get("service"),
        "details": {},
    }
    action = SignalAction.RESOLVE if status == "resolved" else SignalAction.TRIGGER
    return action, fingerprint or labels_fingerprint(labels), fields


def encoded(
    alerts: list[Parsed], environment: str | None
) -> list[tuple[SignalAction, str, str]]:
    """Action, identity and stored JSON of each alert; ``environment`` (the integration's)
    for the alerts that name none."""
    out = []
    for action, identity, fields in alerts:
        if not fields["environment"]:
            fields["environment"] = environment
        out.append((action, identity, encode(_ACTION_TEXT[action], fields)))
    return out


def parse_webhook(doc: Any, now: datetime) -> list[Parsed]:
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
        status = alert.get("status") if type(alert) is dict else None
        quick = _quick(alert, now, group_key, status) if type(status) is str else None
        if quick is not None:
            signals.append(quick)
            continue
        field = f"alerts[{index}]"
        item = _object(alert, field)
        status = item.get("status")
        if not isinstance(status, str):
            raise IngestError(
                400, f"{field}.status must be 'firing' or 'resolved'", field=f"{field}.status"
            )
        signals.append(_signal(item, field, now, group_key, status))
    return signals


def parse_api_v2(doc: Any, now: datetime) -> list[Parsed]:
    """Alertmanager's ``POST /api/v2/alerts`` body: a list of postable alerts."""
    if not isinstance(doc, list):
        raise IngestError(400, "body must be a list of alerts", field="body")
    signals = []
    for index, alert in enumerate(doc):
        quick = _quick(alert, now, None, None)
        if quick is None:
            field = f"[{index}]"
            quick = _signal(_object(alert, field), field, now, None, None)
        signals.append(quick)
    return signals
