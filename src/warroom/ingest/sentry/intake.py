"""What a Sentry request becomes: authenticated, bounded, rate limited, and the items kept
for the worker as rows of ``error_items`` (no HTTP here: ``endpoint`` speaks ASGI).

Limits (as Sentry's Relay sets them): an envelope at most ``MAX_ENVELOPE_BYTES`` after
decompression, an event, transaction or log item at most ``MAX_ITEM_BYTES``, a check-in at
most ``MAX_CHECK_IN_BYTES``, an attachment at most ``MAX_ATTACHMENT_BYTES``; past any of
them the whole request is refused with 413 (naming the item). Item types warroom has no use
for yet (spans, profiles, replays, ...) and unknown ones are skipped and counted, never
refused. Events beyond a quota are dropped (counted); when nothing of the envelope is left
the answer is 429, else 200, and both carry ``X-Sentry-Rate-Limits``.
"""

from __future__ import annotations

import base64
import binascii
import uuid
import zlib
from dataclasses import dataclass, field
from typing import Any

import orjson

from warroom.config import Config
from warroom.config.projects import DsnKey, Project
from warroom.ingest.errors import IngestError
from warroom.ingest.sentry.auth import Credentials, agree, from_dsn, from_header, from_query
from warroom.ingest.sentry.envelope import Envelope, Item, parse_envelope
from warroom.ingest.sentry.models import IDEMPOTENT_KINDS, ItemKind
from warroom.ingest.sentry.quotas import Limited, Quotas

MIB = 1024 * 1024
MAX_ENVELOPE_BYTES = 200 * MIB
MAX_ITEM_BYTES = 1 * MIB
MAX_CHECK_IN_BYTES = 100 * 1024
MAX_ATTACHMENT_BYTES = 100 * MIB
ITEM_LIMITS = {
    ItemKind.CHECK_IN: MAX_CHECK_IN_BYTES,
    ItemKind.ATTACHMENT: MAX_ATTACHMENT_BYTES,
}
KEPT_KINDS = {kind.value: kind for kind in ItemKind}
SIZE_LIMITS = {kind.value: ITEM_LIMITS.get(kind, MAX_ITEM_BYTES) for kind in ItemKind}
"""The byte limit of each kept item type (any other type: ``MAX_ITEM_BYTES``)."""
KNOWN_SKIPPED = frozenset(
    {
        "span",
        "profile",
        "profile_chunk",
        "replay_event",
        "replay_recording",
        "replay_video",
        "statsd",
        "metric_buckets",
        "otel_log",
        "otel_span",
        "trace_metric",
        "nel",
        "security",
        "raw_security",
        "unreal_report",
        "form_data",
    }
)
"""Item types Sentry defines that warroom does not use: skipped and counted by type."""
ENVELOPE_CONTEXT = ("sent_at", "sdk", "trace")
"""Envelope headers each kept item carries along for the worker."""
EVENT_ID_LENGTH = 32
MAX_CACHED_SENDERS = 4096


@dataclass(slots=True)
class Parsed:
    """What to store of one request and how to answer it."""

    project: Project
    key: DsnKey
    event_id: str | None
    rows: list[tuple[ItemKind, str | None, dict[str, Any], bytes]]
    skipped: dict[str, int] = field(default_factory=dict)
    """Item types skipped: known but unused, or unknown (``unknown:<type>``)."""
    limited: Limited | None = None
    dropped_events: int = 0


def _project(config: Config, project_id: int, credentials: Credentials) -> tuple[Project, DsnKey]:
    found = config.project_key(credentials.public_key)
    if found is None:
        raise IngestError(401, "unknown DSN key", field="sentry_key", outcome="unauthorized")
    project, key = found
    if project.id != project_id:
        raise IngestError(
            403,
            f"the DSN key is not a key of project {project_id}",
            field="project_id",
            outcome="unauthorized",
        )
    if credentials.project_id is not None and credentials.project_id != project_id:
        raise IngestError(
            403, "the envelope's dsn names another project", field="dsn", outcome="unauthorized"
        )
    if key.disabled:
        raise IngestError(403, "the DSN key is disabled", field="sentry_key", outcome="disabled")
    if credentials.secret_key and key.secret_key and credentials.secret_key != key.secret_key:
        raise IngestError(401, "wrong sentry_secret", field="sentry_secret", outcome="unauthorized")
    return project, key


def check_origin(project: Project, origin: str | None) -> None:
    """Browsers say where the page came from; only the project's allowed origins may send."""
    if origin is None:
        return
    allowed = project.allowed_origins
    if "*" in allowed or origin.lower() in allowed:
        return
    raise IngestError(
        403,
        f"origin {origin!r} is not an allowed origin of project {project.slug}",
        field="origin",
        outcome="origin_not_allowed",
    )


def normal_event_id(value: object) -> str | None:
    """32 lowercase hex characters (dashes of a UUID dropped), or None if not an id."""
    if not isinstance(value, str):
        return None
    text = value.replace("-", "").lower()
    if len(text) != EVENT_ID_LENGTH:
        return None
    try:
        int(text, 16)
    except ValueError:
        return None
    return text


def _check_size(index: int, kind: str, payload: bytes) -> None:
    limit = SIZE_LIMITS.get(kind, MAX_ITEM_BYTES)
    if len(payload) > limit:
        raise IngestError(
            413,
            f"item {index} ({kind}) is {len(payload)} bytes, over its limit of {limit}",
            field=f"item {index}",
            outcome="too_large",
        )


def _context(headers: dict[str, Any], client: str | None) -> dict[str, Any]:
    context = {name: headers[name] for name in ENVELOPE_CONTEXT if name in headers}
    if client:
        context["client"] = client
    return context


def _event_id_of(item: Item, envelope_id: str | None) -> str:
    """The envelope's event id, else the payload's, else a new one (the worker reads the
    stored row's id, so the three agree)."""
    if envelope_id:
        return envelope_id
    try:
        payload = orjson.loads(item.payload)
    except orjson.JSONDecodeError:
        payload = None
    found = normal_event_id(payload.get("event_id")) if isinstance(payload, dict) else None
    return found or uuid.uuid4().hex


class SentryIntake:
    """Parses and admits Sentry requests; counts what it skips and refuses (per process)."""

    def __init__(self) -> None:
        self.quotas = Quotas()
        self._config: Config | None = None
        self._senders: dict[tuple[str, int, str | None], tuple[Project, DsnKey, str | None]] = {}
        """(auth header, project id, origin) → the project, key and client it was admitted
        as, for the config it was checked against: an SDK sends the same header every time,
        so it is parsed and checked once."""

    def sender(
        self,
        config: Config,
        project_id: int,
        auth_header: str | None,
        query: bytes,
        envelope: Envelope | None,
        origin: str | None,
    ) -> tuple[Project, DsnKey, str | None]:
        """The project and key a request sends as (and the SDK it names), checked."""
        cacheable = (
            auth_header is not None
            and not query
            and (envelope is None or "dsn" not in envelope.headers)
        )
        if config is not self._config:
            self._config, self._senders = config, {}
        if cacheable:
            assert auth_header is not None
            found = self._senders.get((auth_header, project_id, origin))
            if found is not None:
                return found
        credentials = self.credentials(auth_header, query, envelope)
        project, key = _project(config, project_id, credentials)
        check_origin(project, origin)
        admitted = (project, key, credentials.client)
        if cacheable and len(self._senders) < MAX_CACHED_SENDERS:
            assert auth_header is not None
            self._senders[(auth_header, project_id, origin)] = admitted
        return admitted

    def credentials(
        self, auth_header: str | None, query: bytes, envelope: Envelope | None
    ) -> Credentials:
        if (
            auth_header is not None
            and not query
            and (envelope is None or "dsn" not in envelope.headers)
        ):
            found = from_header(auth_header)  # the usual case: one place to look
            assert found is not None
            return found
        return agree(
            [
                ("x-sentry-auth", from_header(auth_header)),
                ("sentry_key", from_query(query)),
                ("dsn", from_dsn(envelope.headers.get("dsn")) if envelope else None),
            ]
        )

    def envelope(
        self,
        config: Config,
        project_id: int,
        body: bytes,
        auth_header: str | None,
        query: bytes,
        origin: str | None,
    ) -> Parsed:
        envelope = parse_envelope(body)
        project, key, client = self.sender(config, project_id, auth_header, query, envelope, origin)
        given = envelope.headers.get("event_id")
        envelope_id = normal_event_id(given)
        if given is not None and envelope_id is None:
            raise IngestError(400, "envelope header event_id is not an event id", field="event_id")
        context = _context(envelope.headers, client)
        parsed = Parsed(project, key, envelope_id, [])
        events = 0
        for index, item in enumerate(envelope.items):
            _check_size(index, item.type, item.payload)
            events += item.type == ItemKind.EVENT
        limited = self.quotas.admit(project, key, events)
        for item in envelope.items:
            kind = KEPT_KINDS.get(item.type)
            if kind is None:
                name = item.type if item.type in KNOWN_SKIPPED else f"unknown:{item.type[:64]}"
                parsed.skipped[name] = parsed.skipped.get(name, 0) + 1
                continue
            if limited is not None and kind in (ItemKind.EVENT, ItemKind.ATTACHMENT):
                parsed.dropped_events += kind is ItemKind.EVENT
                continue
            event_id: str | None = None
            if kind in IDEMPOTENT_KINDS:
                event_id = _event_id_of(item, envelope_id)
                parsed.event_id = parsed.event_id or event_id
            elif kind is ItemKind.ATTACHMENT:
                event_id = envelope_id
            parsed.rows.append((kind, event_id, {**context, **item.headers}, item.payload))
        parsed.limited = limited
        if limited is not None and not parsed.rows:
            raise RateLimited(parsed)
        return parsed

    def store(
        self,
        config: Config,
        project_id: int,
        body: bytes,
        auth_header: str | None,
        query: bytes,
        origin: str | None,
    ) -> Parsed:
        """The legacy ``/store/`` endpoint: one event as JSON (or base64 of zlib of it, as
        the oldest SDKs sent it)."""
        project, key, client = self.sender(config, project_id, auth_header, query, None, origin)
        payload = _store_payload(body)
        _check_size(0, ItemKind.EVENT.value, payload)
        event = _json_object(payload)
        given = event.get("event_id")
        event_id = normal_event_id(given)
        if given is not None and event_id is None:
            raise IngestError(400, "event_id is not an event id", field="event_id")
        event_id = event_id or uuid.uuid4().hex
        parsed = Parsed(project, key, event_id, [])
        kind = ItemKind.TRANSACTION if event.get("type") == "transaction" else ItemKind.EVENT
        limited = self.quotas.admit(project, key, 1 if kind is ItemKind.EVENT else 0)
        if limited is not None:
            parsed.limited, parsed.dropped_events = limited, 1
            raise RateLimited(parsed)
        headers: dict[str, Any] = {"type": kind.value, "endpoint": "store"}
        if client:
            headers["client"] = client
        parsed.rows.append((kind, event_id, headers, payload))
        return parsed


class RateLimited(Exception):
    """Nothing of the request may be taken now: answer 429 with the limit."""

    def __init__(self, parsed: Parsed) -> None:
        super().__init__("rate limited")
        self.parsed = parsed


def _store_payload(body: bytes) -> bytes:
    stripped = body.lstrip()
    if stripped.startswith(b"{") or not stripped:
        return body
    try:
        packed = base64.b64decode(stripped, validate=False)
    except (binascii.Error, ValueError):
        return body
    inflater = zlib.decompressobj()
    try:
        payload = inflater.decompress(packed, MAX_ITEM_BYTES + 1)
    except zlib.error:
        return body
    return payload


def _json_object(payload: bytes) -> dict[str, Any]:
    try:
        value = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise IngestError(400, f"the event is not valid JSON: {exc}", field="body") from None
    if not isinstance(value, dict):
        raise IngestError(400, "the event is not a JSON object", field="body")
    return value
