"""The signal pipeline after ingest, a batch at a time:

    claim → dedup → flapping → mute → route → incidents → follow resolved → expiry timers

Ingest only makes signals durable; the worker runs this on them. Each round gives every
integration with pending signals one turn of at most ``BATCH_PER_INTEGRATION`` signals, so
a flooding integration only delays itself. A batch is one transaction: the stages read what
they need with set-based queries, decide in memory, and the batch writes alerts, history
lines and signal outcomes in bulk and commits once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

import structlog
from sqlalchemy.orm import Session, sessionmaker

from warroom.alerts import dedup
from warroom.alerts.dedup import PendingSignal
from warroom.alerts.history import History
from warroom.alerts.mute import SilenceMuter, active_silences
from warroom.alerts.state import AlertStore
from warroom.config import Config, LiveConfig
from warroom.db.outage import is_unavailable
from warroom.incidents import from_alerts
from warroom.ingest.models import SignalOutcome
from warroom.pipeline import claim
from warroom.pipeline.batching import cut
from warroom.pipeline.rounds import Turns, fair_round
from warroom.pipeline.stage import Context
from warroom.pipeline.stages import (
    DEDUP,
    EXPIRY,
    FLAPPING,
    FOLLOW_RESOLVED,
    INCIDENTS,
    MUTE,
    ROUTE,
    firing,
)

log = structlog.get_logger("warroom.pipeline")
BATCH_SIZE = 500
"""At most this many signals per batch (one transaction) while one integration has
pending signals: a storm is decided in big batches."""
BATCH_PER_INTEGRATION = 1000
"""At most this many signals of that integration per round..."""
BATCH_SECONDS = 0.02
"""...and no further batch once its turn has run this long: signals of another integration
that arrive meanwhile wait at most about this (and one batch) for the next round. (Every
round also takes SQLite's write lock for its other work, which ingest waits for: a round per
small batch would slow intake down in a storm.)"""
Clock = Callable[[], datetime]
"""When a batch is decided (its signals' ``processed_at``): the round's time moved on by
the time the round has taken (``pipeline.rounds``)."""
SHARED_BATCH_SIZE = 100
"""While several integrations have pending signals, each turn is one batch of at most this
many (tens of milliseconds): a flooding integration delays the others by one such batch."""


def decide(ctx: Context, signals: Sequence[PendingSignal], decided_at: Clock | None = None) -> None:
    """Every stage, in order, over one batch (the pipeline, as it reads). A batch holds
    its resolves before its triggers (``cut``), so the resolved go first."""
    with ctx.session.no_autoflush:  # the stages flush where a query must see a change
        applied = FLAPPING(ctx, DEDUP(ctx, signals))
        FOLLOW_RESOLVED(ctx, applied)
        attachments = INCIDENTS(ctx, ROUTE(ctx, MUTE(ctx, firing(applied))))
        EXPIRY(ctx, applied)
    ctx.write()
    decided = ctx.now if decided_at is None else max(ctx.now, decided_at())
    dedup.write_outcomes(ctx.session, signals, decided)
    from_alerts.link_all(ctx.session, attachments, ctx.now)  # last: it locks the incident


def process_integration(
    session: Session,
    config: Config,
    integration: str,
    now: datetime,
    limit: int = BATCH_SIZE,
    clock: Clock | None = None,
) -> int:
    """One transaction's worth of the integration's pending signals (at most ``limit``);
    returns how many it handled. The caller commits. ``now`` is the round's time, which the
    decisions carry; ``clock`` says when each batch was decided (``processed_at``)."""
    signals = cut(config, integration, claim.claim(session, integration, limit))
    if not signals:
        return 0
    # The round's time, or later: a signal received after the round began is not decided
    # before it was received.
    now = max(now, *(signal.received_at for signal in signals))
    silencer = SilenceMuter(active_silences(session, now))

    def context() -> Context:
        history = History(now)
        return Context(session, config, integration, history, silencer, AlertStore(session))

    decided_at = clock or (lambda: now)
    try:
        with session.begin_nested():
            decide(context(), signals, decided_at)
    except Exception as failed:
        if is_unavailable(failed):  # not the batch's fault: rolled back, tried again later
            raise
        # A bug must not wedge the queue: apply the batch one signal at a time, each in a
        # savepoint of its own, and drop (with the reason) only the ones that fail.
        log.warning("batch_failed", integration=integration, signals=len(signals))
        for signal in signals:
            signal.alert, signal.outcome, signal.reason = None, None, None
            try:
                with session.begin_nested():
                    decide(context(), [signal], decided_at)
            except Exception as exc:
                if is_unavailable(exc):
                    raise
                log.exception("signal_failed", signal_id=signal.id, integration=integration)
                signal.alert = None  # its alert was rolled back with its savepoint
                reason = f"processing failed: {type(exc).__name__}: {exc}"[:255]
                signal.decided(SignalOutcome.DROPPED, reason)
                dedup.write_outcomes(session, [signal], max(now, decided_at()))
    return len(signals)


def signal_stage(
    session_factory: sessionmaker[Session], live_config: LiveConfig, now: datetime
) -> int:
    return process_pending(session_factory, live_config.current, now)


def turns() -> Turns:
    """The turns of a round, from the module's constants as they are now."""
    return Turns(BATCH_SIZE, BATCH_PER_INTEGRATION, SHARED_BATCH_SIZE, BATCH_SECONDS)


def process_pending(session_factory: sessionmaker[Session], config: Config, now: datetime) -> int:
    """One fair round over every integration with pending signals (see ``BATCH_SIZE`` and
    ``SHARED_BATCH_SIZE``); returns how many ran."""
    with session_factory() as session:
        integrations = claim.pending_integrations(session)

    def run(session: Session, integration: str, limit: int, clock: Clock) -> int:
        return process_integration(session, config, integration, now, limit, clock)

    return fair_round(session_factory, integrations, run, turns(), now)
