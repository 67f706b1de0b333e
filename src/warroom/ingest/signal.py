"""The normalised signal every adapter produces, and how it is written down."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.orm import Session

from warroom.clock import as_utc
from warroom.ingest.models import Signal, SignalAction, SourceKind


@dataclass
class SignalIn:
    """What a sender said about one alert, in warroom's terms."""

    action: SignalAction
    identity: str
    title: str = ""
    description: str = ""
    severity: str | None = None
    environment: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    links: list[dict[str, str]] = field(default_factory=list)
    group_key: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    team: str | None = None
    service: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        """The stored JSON of the signal, keys sorted, with the content hash of everything
        else under ``hash``; NUL characters (which PostgreSQL text cannot hold) removed."""
        return encode(self.action.value, self._fields())

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = orjson.loads(self.to_json())
        return data

    def _fields(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "description": self.description,
            "severity": self.severity,
            "environment": self.environment,
            "labels": self.labels,
            "annotations": self.annotations,
            "links": self.links,
            "group_key": self.group_key,
            "starts_at": _iso(self.starts_at),
            "ends_at": _iso(self.ends_at),
            "team": self.team,
            "service": self.service,
            "details": self.details,
        }


def encode(action: str, fields: dict[str, Any]) -> str:
    """The stored JSON of a signal's ``fields`` (see ``SignalIn._fields``): keys sorted, the
    content hash of action and fields under ``hash``, NUL characters removed."""
    body = orjson.dumps(fields, option=orjson.OPT_SORT_KEYS)
    if b"\\u0000" in body:
        body = orjson.dumps(_without_nul(fields), option=orjson.OPT_SORT_KEYS)
    digest = hashlib.sha256(action.encode() + body).hexdigest()
    return f'{body[:-1].decode()},"hash":"{digest}"}}'


def _iso(value: datetime | None) -> str | None:
    return as_utc(value).isoformat() if value is not None else None


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    return value


@dataclass(frozen=True)
class SignalView:
    """Typed read access to a stored signal's data."""

    data: dict[str, Any]

    def text(self, key: str) -> str | None:
        value = self.data.get(key)
        return value if isinstance(value, str) else None

    def time(self, key: str) -> datetime | None:
        value = self.text(key)
        return datetime.fromisoformat(value) if value else None

    def mapping(self, key: str) -> dict[str, str]:
        value = self.data.get(key)
        return dict(value) if isinstance(value, dict) else {}

    def items(self, key: str) -> list[dict[str, Any]]:
        value = self.data.get(key)
        return list(value) if isinstance(value, list) else []


def rows(
    integration: str, source: SourceKind, signals: list[SignalIn], now: datetime
) -> list[dict[str, Any]]:
    """Insert parameters for the signals table (the group-commit writer's input)."""
    return [
        {
            "integration": integration,
            "source": source,
            "action": s.action,
            "identity": s.identity[:255],
            "received_at": now,
            "data_json": s.to_json(),
        }
        for s in signals
    ]


def persist(
    session: Session,
    integration: str,
    source: SourceKind,
    signals: list[SignalIn],
    now: datetime,
) -> list[Signal]:
    rows = [
        Signal(
            integration=integration,
            source=source,
            action=s.action,
            identity=s.identity[:255],
            received_at=now,
            data=s.to_data(),
        )
        for s in signals
    ]
    session.add_all(rows)
    return rows
