"""What each integration's stored signals came to (all processes, from the database)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warroom.ingest.models import Signal


@dataclass
class StoredSignals:
    by_outcome: dict[str, int] = field(default_factory=dict)
    """``opened``, ``updated``, ``duplicate``, ``dropped``; ``pending`` if not processed yet."""
    last_signal_at: datetime | None = None


def stored_signals(session: Session) -> dict[str, StoredSignals]:
    """Per integration slug; integrations that never sent anything are absent."""
    found: dict[str, StoredSignals] = {}
    by_outcome = select(Signal.integration, Signal.outcome, func.count()).group_by(
        Signal.integration, Signal.outcome
    )
    for integration, outcome, count in session.execute(by_outcome):
        key = outcome.value if outcome is not None else "pending"
        found.setdefault(integration, StoredSignals()).by_outcome[key] = int(count)
    latest = select(Signal.integration, func.max(Signal.received_at)).group_by(Signal.integration)
    for integration, last in session.execute(latest):
        found.setdefault(integration, StoredSignals()).last_signal_at = last
    return found
