"""Which pending signals a batch takes.

Signals of one alert must be applied in order, and each exactly once: a signal stays
pending until the batch that applied it commits. On SQLite one worker takes an
integration's oldest pending signals. On PostgreSQL several workers share a storm: an
integration's signals fall into ``SHARDS`` shards by a hash of their alert identity (so one
alert's signals are always in one shard), and a batch takes the oldest pending signals of
the shards whose advisory locks it got — at most ``SHARDS_PER_BATCH``, so other workers find
shards left (the locks end with the batch's transaction).
"""

from __future__ import annotations

import random
import zlib

from sqlalchemy import ColumnElement, bindparam, literal_column, select, text
from sqlalchemy.orm import Session

from warroom.alerts.dedup import PendingSignal
from warroom.db.base import table_of
from warroom.ingest.models import Signal

SHARDS = 16
"""The index ``ix_signals_pending_shard`` (migration 0005) is built on this expression."""
SHARDS_PER_BATCH = 4
SHARD: ColumnElement[int] = literal_column(f"(hashtext(signals.identity) & {SHARDS - 1})")

SIGNALS = table_of(Signal)
PENDING = (
    select(
        SIGNALS.c.id,
        SIGNALS.c.source,
        SIGNALS.c.action,
        SIGNALS.c.identity,
        SIGNALS.c.received_at,
        SIGNALS.c.data,
    )
    .where(SIGNALS.c.integration == bindparam("integration"), SIGNALS.c.processed_at.is_(None))
    .order_by(SIGNALS.c.id)
    .limit(bindparam("limit"))
)
PENDING_IN_SHARDS = PENDING.where(SHARD.in_(bindparam("shards", expanding=True)))
"""Built once (as the other statements of the hot path): building one per call costs more
Python than running it."""


def pending_integrations(session: Session) -> list[str]:
    stmt = select(Signal.integration).where(Signal.processed_at.is_(None)).distinct()
    return sorted(session.scalars(stmt))


PENDING_SHARDS = (
    select(SHARD)
    .where(SIGNALS.c.integration == bindparam("integration"), SIGNALS.c.processed_at.is_(None))
    .distinct()
)


def _locked_shards(session: Session, integration: str) -> list[int]:
    order = list(session.scalars(PENDING_SHARDS, {"integration": integration}))
    random.shuffle(order)  # workers start at different shards
    locked: list[int] = []
    for shard in order:
        key = zlib.crc32(f"warroom:signals:{integration}:{shard}".encode())
        if session.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": key}).scalar():
            locked.append(shard)
            if len(locked) == SHARDS_PER_BATCH:
                break
    return locked


def claim(session: Session, integration: str, limit: int) -> list[PendingSignal]:
    """The oldest pending signals this batch may apply, in order (see the module)."""
    params: dict[str, object] = {"integration": integration, "limit": limit}
    statement = PENDING
    if session.get_bind().dialect.name == "postgresql":
        shards = _locked_shards(session, integration)
        if not shards:
            return []
        params["shards"], statement = shards, PENDING_IN_SHARDS
    return [PendingSignal(*row) for row in session.execute(statement, params).all()]
