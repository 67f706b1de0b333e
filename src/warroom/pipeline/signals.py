"""The signal pipeline after ingest: group → route → mute → rules → incidents.

Ingest only makes signals durable; the worker runs this on them, one integration at a
time (a PostgreSQL advisory lock keeps two workers off the same integration, so the
signals of one alert are applied in order), a bounded batch per integration per round so
a flooding integration cannot delay the others.
"""

from __future__ import annotations

import time
import zlib
from datetime import datetime

import structlog
from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session, sessionmaker

from warroom.alerts import dedup, expiry, flapping
from warroom.alerts.dedup import Change, Entry, record
from warroom.alerts.models import Alert, AlertDecision, AlertEventKind
from warroom.alerts.mute import InhibitMuter, SilenceMuter, active_silences, first_reason
from warroom.config import Config, LiveConfig
from warroom.incidents.from_alerts import link, on_alert_resolved
from warroom.incidents.lifecycle import OPEN_STATUSES
from warroom.incidents.models import Incident
from warroom.ingest.models import Signal, SignalOutcome
from warroom.route import ownership, rules
from warroom.route.jobs import recheck_muted

log = structlog.get_logger("warroom.pipeline")
BATCH_PER_INTEGRATION = 25
"""At most this many signals of one integration per transaction."""
BATCH_SECONDS = 0.02
"""...and no more once the transaction has run this long: on SQLite it holds the one write
lock that ingest also needs (a signal that opens an incident costs several milliseconds),
so a sender never waits on the pipeline for much longer than this."""


PENDING_SIGNALS = (
    select(Signal)
    .where(Signal.integration == bindparam("integration"), Signal.processed_at.is_(None))
    .order_by(Signal.id)
    .limit(bindparam("limit"))
)
"""Built once (as the other statements of the hot path): building one per call costs more
Python than running it."""


def process_signal(
    session: Session,
    config: Config,
    signal: Signal,
    now: datetime,
    silencer: SilenceMuter | None = None,
) -> None:
    """Apply one signal. ``silencer`` carries the batch's active silences (read once per
    batch: a silence made meanwhile applies from the next batch, milliseconds later)."""
    applied = dedup.apply(session, signal, now, lambda alert: assign_owner(config, alert))
    if applied is None:
        return
    alert, change = applied.alert, applied.change
    settings = config.alerts.flapping
    # The first episode of an identity has one state change: it cannot be flapping yet.
    first_and_steady = applied.first_episode and settings.transitions > 1
    if change in (Change.OPENED, Change.RESOLVED) and not first_and_steady:
        flapping.update(session, alert, settings.transitions, settings.within, now)
    if change is Change.RESOLVED:
        on_alert_resolved(session, config, alert, now)
        recheck_muted(session, config, now, muted_by_prefix=f"inhibited by alert {alert.id} ")
        return
    expiry.schedule_expiry(session, alert, now)
    if change in (Change.OPENED, Change.OCCURRED):
        mute(session, config, alert, now, silencer or SilenceMuter())
        if change is Change.OPENED and alert.flapping and attach_to_previous(session, alert, now):
            return
        rules.evaluate(session, config, alert, now)


def assign_owner(config: Config, alert: Alert) -> list[Entry]:
    """Sets a new alert's team, service and ``routed_by``; the history line that says why."""
    routing = ownership.route(config, alert)
    alert.team, alert.service = routing.team, routing.service
    alert.routed_by = routing.explanation()
    owner = routing.team or "nobody"
    text = f"owned by {owner}: {routing.reason}"
    return [Entry(AlertEventKind.ROUTED, text, detail=alert.routed_by)]


def mute(
    session: Session, config: Config, alert: Alert, now: datetime, silencer: SilenceMuter
) -> None:
    reason = first_reason([silencer, InhibitMuter(config)], session, alert, now)
    if reason == alert.muted_by:
        return  # unchanged: not even an UPDATE
    if reason is not None:
        record(session, alert, AlertEventKind.MUTED, f"muted: {reason}", now)
    alert.muted_by = reason


def attach_to_previous(session: Session, alert: Alert, now: datetime) -> bool:
    """A flapping alert's new episode joins the open incident of its previous episode
    instead of starting anything new."""
    previous = flapping.previous_episode(session, alert)
    if previous is None or previous.incident_id is None:
        return False
    incident = session.get(Incident, previous.incident_id)
    if incident is None or incident.status not in OPEN_STATUSES:
        return False
    link(session, incident, alert, previous.rule or "flapping", now)
    alert.rule = previous.rule
    alert.decision = AlertDecision.FLAPPING
    text = f"flapping: joined {incident.ref} without starting anything"
    record(session, alert, AlertEventKind.DECIDED, text, now)
    return True


def _try_lock(session: Session, integration: str) -> bool:
    if session.get_bind().dialect.name != "postgresql":
        return True
    key = zlib.crc32(f"warroom:signals:{integration}".encode())
    locked = session.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": key}).scalar()
    return bool(locked)


def pending_integrations(session: Session) -> list[str]:
    stmt = select(Signal.integration).where(Signal.processed_at.is_(None)).distinct()
    return sorted(session.scalars(stmt))


def process_integration(
    session: Session,
    config: Config,
    integration: str,
    now: datetime,
    limit: int = BATCH_PER_INTEGRATION,
) -> int:
    """One transaction's worth of the integration's pending signals (at most ``limit``, and
    no more once ``BATCH_SECONDS`` ran out); returns how many it handled."""
    return _process_batch(session, config, integration, now, limit)[0]


def _process_batch(
    session: Session, config: Config, integration: str, now: datetime, limit: int
) -> tuple[int, bool]:
    """``process_integration``, and whether more signals may be pending after it.

    The signals are applied straight in the batch's transaction; if one of them fails, the
    transaction is rolled back and the batch applied again with a savepoint per signal, so
    the failing one is recorded as dropped and the others go through (savepoints for every
    signal cost a flush and two statements each, paid only once something failed)."""
    try:
        return _apply_batch(session, config, integration, now, limit, guarded=False)
    except Exception:
        session.rollback()
        return _apply_batch(session, config, integration, now, limit, guarded=True)


def _apply_batch(
    session: Session,
    config: Config,
    integration: str,
    now: datetime,
    limit: int,
    *,
    guarded: bool,
) -> tuple[int, bool]:
    if not _try_lock(session, integration):
        return 0, False
    signals = list(session.scalars(PENDING_SIGNALS, {"integration": integration, "limit": limit}))
    silencer = SilenceMuter(active_silences(session, now)) if signals else None
    deadline = time.monotonic() + BATCH_SECONDS
    done = 0
    for signal in signals:
        if done and time.monotonic() > deadline:
            break  # the rest waits for the next round, in a transaction of its own
        done += 1
        if not guarded:
            process_signal(session, config, signal, now, silencer)
            session.flush()  # the next signal's lookups see this one's changes
            continue
        try:
            with session.begin_nested():
                process_signal(session, config, signal, now, silencer)
        except Exception as exc:  # a bug must not wedge the queue: record it, go on
            log.exception("signal_failed", signal_id=signal.id, integration=integration)
            signal.processed_at = now
            signal.outcome = SignalOutcome.DROPPED
            signal.outcome_reason = f"processing failed: {type(exc).__name__}: {exc}"[:255]
    return done, len(signals) == limit or done < len(signals)


def signal_stage(
    session_factory: sessionmaker[Session], live_config: LiveConfig, now: datetime
) -> int:
    return process_pending(session_factory, live_config.current, now)


def process_pending(session_factory: sessionmaker[Session], config: Config, now: datetime) -> int:
    """One fair round over every integration with pending signals; returns how many ran."""
    with session_factory() as session:
        integrations = pending_integrations(session)
    done = 0
    for integration in integrations:
        # Up to BATCH_PER_INTEGRATION signals each round, in transactions of BATCH_SECONDS.
        handled = 0
        while handled < BATCH_PER_INTEGRATION:
            with session_factory() as session:
                count, more = _process_batch(
                    session, config, integration, now, BATCH_PER_INTEGRATION - handled
                )
                session.commit()
            handled += count
            if not more:
                break
        done += handled
    return done
