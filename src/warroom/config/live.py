"""A configuration that can be reloaded while the process runs (SIGHUP, the reload endpoint)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from .loader import load_config
from .models import Config


class LiveConfig:
    """The configuration in force, reloaded from ``path`` on request.

    A reload builds the new configuration completely and only then swaps it in; if the file
    is broken, ``reload`` raises ConfigError and the old configuration stays in force.
    Readers take ``current`` once per unit of work and use that object throughout.
    Without a path (``LiveConfig(None)``) the built-in defaults are in force.
    """

    def __init__(self, path: str | Path | None) -> None:
        self._path = None if path is None else Path(path)
        self._lock = threading.Lock()
        # One tuple, replaced in a single assignment, so readers never see a mix of two loads.
        self._state: tuple[Config, datetime, int] = (self._load(), _now(), 1)
        self._listeners: list[Callable[[Config], None]] = []

    def on_reload(self, listener: Callable[[Config], None]) -> None:
        """Calls ``listener(config)`` after every successful reload, however it was asked for
        (``warroom serve`` passes it on to its worker process this way)."""
        self._listeners.append(listener)

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def current(self) -> Config:
        return self._state[0]

    @property
    def loaded_at(self) -> datetime:
        """When the configuration in force was loaded (timezone-aware UTC)."""
        return self._state[1]

    @property
    def generation(self) -> int:
        """1 for the configuration loaded at start, +1 for every successful reload."""
        return self._state[2]

    def reload(self) -> Config:
        """Load the file again and swap it in; raise ConfigError and keep the old one if broken."""
        with self._lock:
            config = self._load()
            self._state = (config, _now(), self._state[2] + 1)
        for listener in self._listeners:
            listener(config)
        return config

    def _load(self) -> Config:
        return Config.default() if self._path is None else load_config(self._path)


def _now() -> datetime:
    return datetime.now(UTC)
