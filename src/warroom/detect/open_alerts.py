"""Which of a detector's alerts are open, so it writes a trigger or a resolve only when
that changes."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.alerts.models import Alert, AlertStatus
from warroom.ingest.models import Signal, SignalAction

OPEN = (AlertStatus.FIRING, AlertStatus.ACKNOWLEDGED)


def open_identities(session: Session, integration: str, prefix: str) -> set[str]:
    """Identities starting with ``prefix`` whose alert is open, counting the signals not
    yet processed: the last pending trigger opens, the last pending resolve closes."""
    pattern = prefix.replace("%", r"\%").replace("_", r"\_") + "%"
    found = set(
        session.scalars(
            select(Alert.identity).where(
                Alert.integration == integration,
                Alert.identity.like(pattern, escape="\\"),
                Alert.status.in_(OPEN),
            )
        )
    )
    pending = session.execute(
        select(Signal.identity, Signal.action)
        .where(
            Signal.integration == integration,
            Signal.identity.like(pattern, escape="\\"),
            Signal.processed_at.is_(None),
        )
        .order_by(Signal.id)
    )
    for key, action in pending:
        if action is SignalAction.TRIGGER:
            found.add(key)
        else:
            found.discard(key)
    return found
