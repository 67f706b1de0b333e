"""The signal pipeline after ingest, a batch at a time:

    claim → dedup → flapping → mute → route → incidents → follow resolved → expiry timers

Ingest only makes signals durable; the worker runs this on them. Each round gives every
integration with pending signals one turn of at most ``BATCH_PER_INTEGRATION`` signals, so
a flooding integration only delays itself. A batch is one transaction: the stages read what
they need with set-based queries, decide in memory, and the batch writes alerts, history
lines and signal outcomes in bulk and commits once.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime

import structlog
from sqlalchemy.orm import Session, sessionmaker

from warroom.alerts import dedup, expiry, flapping
from warroom.alerts.dedup import Applied, Change, PendingSignal
from warroom.alerts.history import Entry, History
from warroom.alerts.models import Alert, AlertEventKind
from warroom.alerts.mute import SilenceMuter, active_silences, mute_all
from warroom.alerts.state import AlertStore, AlertView
from warroom.config import Config, LiveConfig
from warroom.incidents import from_alerts
from warroom.incidents.lifecycle import OPEN_STATUSES
from warroom.incidents.models import Incident
from warroom.ingest.models import SignalAction, SignalOutcome
from warroom.pipeline import claim, timers
from warroom.pipeline.stage import Context
from warroom.route import ownership, rules
from warroom.route.rules import Wanted, Wants

log = structlog.get_logger("warroom.pipeline")
BATCH_SIZE = 500
"""At most this many signals per batch (one transaction)."""
BATCH_PER_INTEGRATION = 1000
"""At most this many signals of one integration per round..."""
BATCH_SECONDS = 0.05
"""...and no further batch once its turn has run this long (on SQLite a batch holds the
one write lock that ingest also needs, from its first write to its commit)."""


def assign_owner(config: Config, alert: AlertView) -> list[Entry]:
    """Sets a new alert's team, service and ``routed_by``; the history line that says why."""
    routing = ownership.route(config, alert)
    alert.team, alert.service = routing.team, routing.service
    alert.routed_by = routing.explanation()
    owner = routing.team or "nobody"
    text = f"owned by {owner}: {routing.reason}"
    return [Entry(AlertEventKind.ROUTED, text, detail=alert.routed_by)]


def dedup_stage(ctx: Context, signals: Sequence[PendingSignal]) -> list[Applied]:
    """alerts: signals join their open alerts or open new ones (written, with their lines)."""
    batch = dedup.Batch(
        ctx.store, ctx.integration, ctx.history, lambda a: assign_owner(ctx.config, a)
    )
    applied = batch.run(signals)
    ctx.store.flush()  # new alerts get their ids; the lines can refer to them
    ctx.history.write(ctx.session)
    return applied


def flapping_stage(ctx: Context, applied: list[Applied]) -> list[Applied]:
    flapping.update(
        ctx.session, ctx.integration, applied, ctx.config.alerts.flapping, ctx.history, ctx.now
    )
    return applied


def firing(applied: Sequence[Applied]) -> list[Applied]:
    return [a for a in applied if a.change in (Change.OPENED, Change.OCCURRED)]


def mute_stage(ctx: Context, batch: list[Applied]) -> list[Applied]:
    """alerts: silences, maintenance windows and inhibition."""
    alerts = [a.alert for a in batch]
    mute_all(ctx.session, ctx.config, alerts, ctx.silencer, ctx.history, ctx.store.flush)
    return batch


def previous_incident(ctx: Context, applied: Applied) -> Wanted | None:
    """A flapping alert's new episode joins the open incident of its previous episode
    instead of starting anything new."""
    alert = applied.alert
    if applied.change is not Change.OPENED or not alert.flapping or applied.previous_id is None:
        return None
    previous = ctx.session.get(Alert, applied.previous_id)
    if previous is None or previous.incident_id is None:
        return None
    incident = ctx.session.get(Incident, previous.incident_id)
    if incident is None or incident.status not in OPEN_STATUSES:
        return None
    return Wanted(alert, previous.rule or "flapping", Wants.JOIN, incident_id=incident.id)


def route_stage(ctx: Context, batch: list[Applied]) -> list[Wanted]:
    """route: the alert rules (ownership was set when each alert opened)."""
    wanted = []
    for applied in batch:
        decision = previous_incident(ctx, applied) or rules.decide(
            ctx.session, ctx.config, applied.alert, ctx.history
        )
        if decision is not None:
            wanted.append(decision)
    return wanted


def incidents_stage(ctx: Context, wanted: list[Wanted]) -> None:
    """incidents: open or attach, once per group."""
    from_alerts.carry_out(ctx.session, ctx.config, wanted, ctx.history)


def resolved_stage(ctx: Context, applied: list[Applied]) -> None:
    """incidents follow their alerts' resolution; alerts the resolved ones inhibited are
    looked at again."""
    resolved = [a.alert for a in applied if a.change is Change.RESOLVED]
    if not resolved:
        return
    ctx.store.flush()  # what is still open is read from the database
    from_alerts.follow_resolved(ctx.session, ctx.config, resolved, ctx.now)
    if ctx.config.inhibit_rules:
        timers.recheck_inhibited_by(ctx, {a.id for a in resolved})


def expiry_stage(ctx: Context, applied: list[Applied]) -> None:
    """alerts: a timer for each alert that carries an end time."""
    expiry.schedule_all(ctx.session, applied, ctx.now)


def decide(ctx: Context, signals: Sequence[PendingSignal]) -> None:
    """Every stage, in order, over one batch (the pipeline, as it reads). A batch holds
    its resolves before its triggers (``cut``), so the resolved go first."""
    with ctx.session.no_autoflush:  # the stages flush where a query must see a change
        applied = flapping_stage(ctx, dedup_stage(ctx, signals))
        resolved_stage(ctx, applied)
        wanted = route_stage(ctx, mute_stage(ctx, firing(applied)))
        incidents_stage(ctx, wanted)
        expiry_stage(ctx, applied)
    ctx.store.flush()
    ctx.history.write(ctx.session)
    dedup.write_outcomes(ctx.session, signals, ctx.now)


ROUTED_LABELS = frozenset({"team", "service", "severity", "environment"})
"""Labels warroom decides when the alert opens: unknown for a signal not yet applied."""


def might_inhibit(config: Config, integration: str, signal: PendingSignal) -> bool:
    """Whether the signal's alert could be the source of an inhibit rule (for a matcher
    on a label warroom decides later, assume it could)."""
    data = signal.data
    labels = dict(data.get("labels") or {})
    labels.setdefault("alertname", data.get("title") or signal.identity)
    labels.setdefault("source", signal.source.value)
    labels.setdefault("integration", integration)
    return any(
        all(m.name in ROUTED_LABELS or m.matches(labels) for m in rule.source_matchers_parsed)
        for rule in config.inhibit_rules
    )


def cut(config: Config, integration: str, signals: Sequence[PendingSignal]) -> list[PendingSignal]:
    """The prefix of the claimed signals that one batch decides exactly as if it took them
    one at a time (the rest waits for the next batch):

    - no identity has signals of two actions in it (``dedup.cut``): an alert goes through
      one kind of change per batch, and every state it went through is decided;
    - resolves come before triggers: the batch's incidents follow the resolved alerts
      before the new ones are attached;
    - a trigger that could inhibit others only starts a batch: the alerts before it were
      decided without it, the ones after it with it.
    """
    prefix = dedup.cut(signals)
    triggered = False
    for index, signal in enumerate(prefix):
        if signal.action is SignalAction.RESOLVE and triggered:
            return prefix[:index]
        if signal.action is SignalAction.TRIGGER:
            if index and config.inhibit_rules and might_inhibit(config, integration, signal):
                return prefix[:index]
            triggered = True
    return prefix


def _context(
    session: Session, config: Config, integration: str, now: datetime, silencer: SilenceMuter
) -> Context:
    return Context(session, config, integration, History(now), silencer, AlertStore(session))


def process_integration(
    session: Session,
    config: Config,
    integration: str,
    now: datetime,
    limit: int = BATCH_SIZE,
) -> int:
    """One transaction's worth of the integration's pending signals (at most ``limit``);
    returns how many it handled. The caller commits."""
    signals = cut(config, integration, claim.claim(session, integration, limit))
    if not signals:
        return 0
    silencer = SilenceMuter(active_silences(session, now))
    try:
        with session.begin_nested():
            decide(
                Context(session, config, integration, History(now), silencer, AlertStore(session)),
                signals,
            )
    except Exception:
        # A bug must not wedge the queue: apply the batch one signal at a time, each in a
        # savepoint of its own, and drop (with the reason) only the ones that fail.
        log.warning("batch_failed", integration=integration, signals=len(signals))
        for signal in signals:
            _decide_alone(session, config, integration, signal, now, silencer)
    return len(signals)


def _decide_alone(
    session: Session,
    config: Config,
    integration: str,
    signal: PendingSignal,
    now: datetime,
    silencer: SilenceMuter,
) -> None:
    signal.alert, signal.outcome, signal.reason = None, None, None
    try:
        with session.begin_nested():
            decide(
                Context(session, config, integration, History(now), silencer, AlertStore(session)),
                [signal],
            )
    except Exception as exc:
        log.exception("signal_failed", signal_id=signal.id, integration=integration)
        signal.alert = None  # its alert was rolled back with its savepoint
        reason = f"processing failed: {type(exc).__name__}: {exc}"[:255]
        signal.decided(SignalOutcome.DROPPED, reason)
        dedup.write_outcomes(session, [signal], now)


def signal_stage(
    session_factory: sessionmaker[Session], live_config: LiveConfig, now: datetime
) -> int:
    return process_pending(session_factory, live_config.current, now)


def process_pending(session_factory: sessionmaker[Session], config: Config, now: datetime) -> int:
    """One fair round over every integration with pending signals; returns how many ran."""
    with session_factory() as session:
        integrations = claim.pending_integrations(session)
    done = 0
    for integration in integrations:
        handled = 0
        deadline = time.monotonic() + BATCH_SECONDS
        while handled < BATCH_PER_INTEGRATION:
            with session_factory() as session:
                limit = min(BATCH_SIZE, BATCH_PER_INTEGRATION - handled)
                count = process_integration(session, config, integration, now, limit)
                session.commit()
            handled += count
            if count == 0 or time.monotonic() > deadline:
                break
        done += handled
    return done
