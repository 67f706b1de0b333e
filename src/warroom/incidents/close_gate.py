"""A port the learning layer fills: may this incident be closed now?

The incidents package knows nothing of postmortems, which sit above it. The composition
root installs the learning layer's gate (``warroom.learn.postmortems.gate``); without one,
every resolved incident may close. ``check`` raises ``Conflict`` to refuse, and runs in the
transaction of the close, so an override it records commits with the close.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from warroom.auth.models import User
from warroom.config import Config
from warroom.incidents.models import Incident


class CloseGate(Protocol):
    def check(
        self,
        session: Session,
        config: Config,
        incident: Incident,
        actor: User | None,
        override: str | None,
        now: datetime,
    ) -> None:
        """Refuse (raise ``Conflict``) or allow; ``override`` is an admin's reason to close
        anyway (the caller has checked the admin's permission)."""


class _Open:
    def check(
        self,
        session: Session,
        config: Config,
        incident: Incident,
        actor: User | None,
        override: str | None,
        now: datetime,
    ) -> None:
        return None


_installed: CloseGate = _Open()


def install(gate: CloseGate) -> None:
    global _installed  # noqa: PLW0603 - the one wiring point, set once at start-up
    _installed = gate


def gate() -> CloseGate:
    return _installed
