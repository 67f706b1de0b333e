"""A fair round of the worker over whoever has pending work (integrations' signals,
projects' error items): each gets one turn, so one flooding source delays only itself.

Alone, a source's turn takes batches of ``batch_size`` until ``alone_budget`` items or
``seconds`` have gone by; while several wait, a turn is one batch of at most
``shared_budget``. Each batch is one transaction, committed here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker

Key = TypeVar("Key")
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Turns:
    batch_size: int
    alone_budget: int
    shared_budget: int
    seconds: float


def fair_round(
    session_factory: sessionmaker[Session],
    keys: Sequence[Key],
    run: Callable[[Session, Key, int, Clock], int],
    turns: Turns,
    now: datetime,
) -> int:
    """``run(session, key, limit, clock)`` handles one batch of ``key`` and says how many;
    ``clock`` is the round's time moved on by the time the round has taken (when a batch
    was decided). Returns how many ran."""
    started = time.monotonic()

    def clock() -> datetime:
        return now + timedelta(seconds=time.monotonic() - started)

    budget = turns.alone_budget if len(keys) == 1 else turns.shared_budget
    done = 0
    for key in keys:
        handled = 0
        deadline = time.monotonic() + turns.seconds
        while handled < budget:
            with session_factory() as session:
                count = run(session, key, min(turns.batch_size, budget - handled), clock)
                session.commit()
            handled += count
            if count == 0 or time.monotonic() > deadline:
                break
        done += handled
    return done
