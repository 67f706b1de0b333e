"""What a recorded service change means to those above ingest: a port.

Ingest records a change event (``ServiceChange``) and then calls the listeners installed by
the composition root (``app.wire``), in the same transaction, so that what they write (a
deploy, when the change names a release) is durable with the change. Ingest never imports
them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from warroom.config import Config
from warroom.ingest.models import ServiceChange

ChangeListener = Callable[[Session, Config, ServiceChange, datetime], None]

_listeners: list[ChangeListener] = []


def install(listener: ChangeListener) -> None:
    """Called by the composition root; installing the same listener twice is a no-op."""
    if listener not in _listeners:
        _listeners.append(listener)


def recorded(session: Session, config: Config, change: ServiceChange, now: datetime) -> None:
    """Tell every listener about a change just added to ``session`` (flushed first)."""
    if _listeners:
        session.flush()
    for listener in _listeners:
        listener(session, config, change, now)
