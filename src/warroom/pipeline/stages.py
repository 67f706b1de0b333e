"""The stages of the signal pipeline, in the order a batch goes through them. Each is a
``Stage``: it takes the batch's context and what the stage before it returned, and returns
what the next one needs (the typed constants at the end hold each to that interface)."""

from __future__ import annotations

from collections.abc import Sequence

from warroom.alerts import dedup, expiry, flapping
from warroom.alerts.dedup import Applied, Change, PendingSignal
from warroom.alerts.history import Entry
from warroom.alerts.models import Alert, AlertEventKind
from warroom.alerts.mute import mute_all
from warroom.alerts.state import AlertRow
from warroom.config import Config
from warroom.incidents import from_alerts
from warroom.incidents.from_alerts import Attachments
from warroom.incidents.lifecycle import OPEN_STATUSES
from warroom.incidents.models import Incident
from warroom.pipeline import timers
from warroom.pipeline.stage import Context, Stage
from warroom.route import ownership, rules
from warroom.route.rules import Wanted, Wants


def assign_owner(config: Config, alert: AlertRow) -> list[Entry]:
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
    ctx.store.assign_ids()  # written once decided (``Context.write``), usually at the end
    return applied


def flapping_stage(ctx: Context, applied: list[Applied]) -> list[Applied]:
    """alerts: flapping is counted over the written history."""
    settings = ctx.config.alerts.flapping
    if not any(flapping.changes_state(a, settings) for a in applied):
        return applied
    ctx.write()
    flapping.update(
        ctx.session, ctx.integration, applied, ctx.config.alerts.flapping, ctx.history, ctx.now
    )
    return applied


def firing(applied: Sequence[Applied]) -> list[Applied]:
    return [a for a in applied if a.change in (Change.OPENED, Change.OCCURRED)]


def mute_stage(ctx: Context, batch: list[Applied]) -> list[Applied]:
    """alerts: silences, maintenance windows and inhibition."""
    alerts = [a.alert for a in batch]
    mute_all(ctx.session, ctx.config, alerts, ctx.silencer, ctx.history, ctx.write)
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
    if batch and any(rule.after_occurrences for rule in ctx.config.alert_rules):
        ctx.write()  # occurrences are counted over the written history
    wanted = []
    for applied in batch:
        decision = previous_incident(ctx, applied) or rules.decide(
            ctx.session, ctx.config, applied.alert, ctx.history
        )
        if decision is not None:
            wanted.append(decision)
    return wanted


def incidents_stage(ctx: Context, wanted: list[Wanted]) -> list[Attachments]:
    """incidents: open or attach, once per group (the attachments are recorded last)."""
    return from_alerts.carry_out(ctx.session, ctx.config, wanted, ctx.history)


def resolved_stage(ctx: Context, applied: list[Applied]) -> None:
    """incidents follow their alerts' resolution; alerts the resolved ones inhibited are
    looked at again."""
    resolved = [a.alert for a in applied if a.change is Change.RESOLVED]
    if not resolved:
        return
    ctx.write()  # what is still open is read from the database
    from_alerts.follow_resolved(ctx.session, ctx.config, resolved, ctx.now)
    if ctx.config.inhibit_rules:
        timers.recheck_inhibited_by(ctx, {a.id for a in resolved})


def expiry_stage(ctx: Context, applied: list[Applied]) -> None:
    """alerts: a timer for each alert that carries an end time."""
    expiry.schedule_all(ctx.session, applied, ctx.now)


DEDUP: Stage[Sequence[PendingSignal], list[Applied]] = dedup_stage
FLAPPING: Stage[list[Applied], list[Applied]] = flapping_stage
FOLLOW_RESOLVED: Stage[list[Applied], None] = resolved_stage
MUTE: Stage[list[Applied], list[Applied]] = mute_stage
ROUTE: Stage[list[Applied], list[Wanted]] = route_stage
INCIDENTS: Stage[list[Wanted], list[Attachments]] = incidents_stage
EXPIRY: Stage[list[Applied], None] = expiry_stage
