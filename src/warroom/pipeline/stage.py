"""The one interface every stage of the signal pipeline has (as Alertmanager's
``notify.Stage``): it takes a batch and its context and returns what the next stage needs.
Stages commit nothing: the batch commits once, after the last stage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar

from sqlalchemy.orm import Session

from warroom.alerts.history import History
from warroom.alerts.mute import SilenceMuter
from warroom.alerts.state import AlertStore
from warroom.config import Config

In_contra = TypeVar("In_contra", contravariant=True)
Out_co = TypeVar("Out_co", covariant=True)


@dataclass
class Context:
    """What every stage of one batch shares: its transaction, the config, the integration
    the batch belongs to, the silences active when it began, its history lines, and its
    alerts (written back in bulk)."""

    session: Session
    config: Config
    integration: str
    history: History
    silencer: SilenceMuter
    store: AlertStore

    @property
    def now(self) -> datetime:
        return self.history.now

    def write(self) -> None:
        """Write what the batch has decided so far (for a stage that reads it back)."""
        self.store.flush()
        self.history.write(self.session)


class Stage(Protocol[In_contra, Out_co]):
    def __call__(self, ctx: Context, batch: In_contra, /) -> Out_co: ...
