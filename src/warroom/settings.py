"""Process settings, read from the environment (``WARROOM_*``)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DATABASE_URL = "sqlite:///./warroom.db"
DEFAULT_MAX_BODY_BYTES = 1024 * 1024


def _int_env(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from exc


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    config_path: Path | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "info"
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    public_url: str = "http://127.0.0.1:8000"
    secret_key: str | None = None
    delivery_lease_seconds: int = 120
    """How long a worker owns a delivery it is sending; a worker that died mid-send loses it
    after this (it must exceed the channels' own timeouts)."""
    """Signs links in emails and iCal feed URLs; without it, a key kept in the database."""
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls) -> Settings:
        config = os.environ.get("WARROOM_CONFIG")
        host = os.environ.get("WARROOM_HOST", "127.0.0.1")
        port = _int_env("WARROOM_PORT", 8000)
        return cls(
            database_url=os.environ.get("WARROOM_DATABASE_URL", DEFAULT_DATABASE_URL),
            config_path=Path(config) if config else None,
            host=host,
            port=port,
            log_level=os.environ.get("WARROOM_LOG_LEVEL", "info").lower(),
            max_body_bytes=_int_env("WARROOM_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES),
            public_url=os.environ.get("WARROOM_PUBLIC_URL", f"http://{host}:{port}"),
            secret_key=os.environ.get("WARROOM_SECRET_KEY") or None,
            delivery_lease_seconds=_int_env("WARROOM_DELIVERY_LEASE_SECONDS", 120),
        )
