"""Prometheus Alertmanager: the webhook receiver (payload version 4) and the Alertmanager v2
API's ``POST /api/v2/alerts`` (so Prometheus can send to warroom directly).

One signal per alert, identified by its fingerprint (computed from the labels when the
sender gives none, as Alertmanager does). Unknown keys are ignored.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import orjson

from warroom.ingest.errors import IngestError
from warroom.ingest.models import SignalAction, SourceKind
from warroom.ingest.signal import encode
from warroom.ingest.writer import Row

try:  # CPython's own MD5: about twice as fast as OpenSSL's on a label set's few bytes
    from _md5 import md5 as _md5  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover
    _md5 = hashlib.md5

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
_TRIGGER, _RESOLVE = SignalAction.TRIGGER.value, SignalAction.RESOLVE.value
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
    _check_labels(labels, f"{field}.labels")
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


_SORT_KEYS = orjson.OPT_SORT_KEYS
_BAD: Any = object()
_times: dict[Any, tuple[datetime, str] | None] = {}
"""The fast path's cache of sender times: text -> (UTC time, stored text), None if unset."""
MAX_CACHED_TIMES = 4096


def _cached_time(value: Any) -> Any:
    """``_time`` for the fast path, cached: (UTC time, stored text), None when unset, and
    ``_BAD`` for anything ``_time`` refuses."""
    if type(value) is not str:
        return _BAD
    hit = _times.get(value, _BAD)
    if hit is not _BAD:
        return hit
    moment = _parse_time(value)
    if moment is None or moment is _OUT_OF_RANGE:
        return _BAD
    entry = None if moment is _UNSET else (moment, _iso(moment))
    if len(_times) >= MAX_CACHED_TIMES:
        _times.clear()
    _times[value] = entry
    return entry


LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
"""Prometheus's and Alertmanager's rule for a label name."""


@lru_cache(maxsize=4096)
def _valid_label_name(name: str) -> bool:
    return LABEL_NAME.fullmatch(name) is not None


def _check_labels(labels: dict[str, str], field: str) -> None:
    """Refuse what Alertmanager itself refuses: a label name outside
    ``[a-zA-Z_][a-zA-Z0-9_]*`` (the empty one too), and a NUL character in a value."""
    for name, value in labels.items():
        if not _valid_label_name(name):
            raise IngestError(
                400,
                f"{field}: {name!r} is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*)",
                field=field,
            )
        if "\x00" in value:
            raise IngestError(
                400, f"{field}.{name} must not contain NUL characters", field=f"{field}.{name}"
            )


def _clean_labels(labels: dict[str, Any]) -> bool:
    """The fast path's check: every value a string without NUL, every name valid."""
    for name, item in labels.items():
        if type(item) is not str or "\x00" in item or not _valid_label_name(name):
            return False
    return True


def _all_strings(mapping: dict[str, Any]) -> bool:
    for item in mapping.values():  # noqa: SIM110 (a loop is faster than all())
        if type(item) is not str:
            return False
    return True


def driver_rows(
    doc: Any,
    now: datetime,
    *,
    webhook: bool,
    environment: str | None,
    integration: str,
    received: Any,
) -> list[Row] | None:
    """The writer's rows (``SignalWriter.row``) for a well-formed body, straight from the
    parsed JSON: what ``parse_webhook``/``parse_api_v2``, ``encoded`` and ``row`` give,
    in one pass and without field names. None when anything is off (a bad value, a NUL
    character): the slow path then finds and names the fault, or cleans the text.

    The stored JSON is ``encode``'s (keys sorted, hash of action and body); the labels are
    serialised once, for the fingerprint and (as a fragment) in the stored JSON."""
    group_key = None
    if webhook:
        if type(doc) is not dict:
            return None
        alerts = doc.get("alerts")
        group_key = doc.get("groupKey")
        if group_key is not None and type(group_key) is not str:
            return None
    else:
        alerts = doc
    if type(alerts) is not list:
        return None
    source = SourceKind.ALERTMANAGER.value
    dumps, fragment, sha256, md5 = orjson.dumps, orjson.Fragment, hashlib.sha256, _md5
    rows: list[Row] = []
    for alert in alerts:
        if type(alert) is not dict:
            return None
        labels = alert.get("labels")
        if type(labels) is not dict or not labels or not _clean_labels(labels):
            return None
        annotations = alert.get("annotations")
        if annotations is None:
            annotations = {}
        elif type(annotations) is not dict or not _all_strings(annotations):
            return None
        starts_at = alert.get("startsAt")
        starts = None if starts_at is None or starts_at == "" else _cached_time(starts_at)
        ends_at = alert.get("endsAt")
        ends = None if ends_at is None or ends_at == "" else _cached_time(ends_at)
        if starts is _BAD or ends is _BAD:
            return None
        if webhook:
            status = alert.get("status")
            if status == "resolved":
                resolved = True
            elif status == "firing":
                resolved = False
            else:
                return None
        else:
            resolved = ends is not None and ends[0] <= now
        labels_json = dumps(labels, option=_SORT_KEYS)
        fingerprint = alert.get("fingerprint")
        if fingerprint is None:
            fingerprint = md5(labels_json).hexdigest()[:16]
        elif type(fingerprint) is not str or not fingerprint or "\x00" in fingerprint:
            return None
        generator = alert.get("generatorURL")
        name = labels.get("alertname") or "alert"
        summary = annotations.get("summary")
        body = dumps(
            {
                "annotations": annotations,
                "description": annotations.get("description", ""),
                "details": {},
                "ends_at": None if ends is None else ends[1],
                "environment": labels.get("environment") or labels.get("env") or environment,
                "group_key": group_key,
                "labels": fragment(labels_json),
                "links": (
                    [{"href": generator, "text": "Source"}] if isinstance(generator, str) else []
                ),
                "service": labels.get("service"),
                "severity": labels.get("severity"),
                "starts_at": None if starts is None else starts[1],
                "team": labels.get("team"),
                "title": f"{name}: {summary}" if summary else name,
            },
            option=_SORT_KEYS,
        )
        if b"\\u0000" in body:
            return None
        if resolved:
            action, digest = _RESOLVE, sha256(b"resolve" + body).hexdigest()
        else:
            action, digest = _TRIGGER, sha256(b"trigger" + body).hexdigest()
        data = f'{body[:-1].decode()},"hash":"{digest}"}}'
        rows.append((integration, source, action, fingerprint[:255], received, data))
    return rows


def encoded(alerts: list[Parsed], environment: str | None) -> list[tuple[SignalAction, str, str]]:
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
        field = f"[{index}]"
        signals.append(_signal(_object(alert, field), field, now, None, None))
    return signals
