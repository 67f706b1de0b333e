"""Timers of the route stage, and looking again at muted alerts: a rule re-checked once an
alert has fired long enough, muted alerts re-checked when a silence ends or the alert that
inhibited them resolves. They run the same stages as a batch of signals: mute, route,
incidents."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from warroom.alerts.history import History
from warroom.alerts.models import AlertEventKind, AlertStatus
from warroom.alerts.mute import InhibitMuter, Muter, SilenceMuter, first_reason
from warroom.alerts.service import MUTE_RECHECK_JOB, MuteRecheckPayload
from warroom.alerts.state import ALERTS, AlertRow, AlertStore
from warroom.config import Config
from warroom.incidents import from_alerts
from warroom.pipeline.stage import Context
from warroom.route import rules
from warroom.route.rules import FIRING_FOR_JOB, RuleCheckPayload

__all__ = ["FIRING_FOR_JOB", "MUTE_RECHECK_JOB", "alert_rule_check", "mute_recheck"]

INHIBITED_BY = "inhibited by alert "


def _muters(config: Config) -> list[Muter]:
    return [SilenceMuter(), InhibitMuter(config)]


def alert_rule_check(
    session: Session, config: Config, payload: RuleCheckPayload, now: datetime
) -> None:
    store = AlertStore(session)
    found = store.load(ALERTS.c.id == payload["alert_id"], for_update=True)
    if not found or found[0].status is AlertStatus.RESOLVED or found[0].incident_id is not None:
        return
    alert, history = found[0], History(now)
    alert.muted_by = first_reason(_muters(config), session, alert, now)
    wanted = rules.decide(session, config, alert, history)
    attachments = from_alerts.carry_out(session, config, [wanted] if wanted else [], history)
    store.flush()
    history.write(session)
    from_alerts.link_all(session, attachments, now)


def recheck(session: Session, config: Config, alerts: Iterable[AlertRow], history: History) -> int:
    """Unmuted ones go through the rules now; returns how many were unmuted."""
    unmuted = []
    for alert in alerts:
        reason = first_reason(_muters(config), session, alert, history.now)
        if reason is None:
            history.add(alert, AlertEventKind.MUTED, f"no longer muted ({alert.muted_by})")
            alert.muted_by = None
            unmuted.append(alert)
        elif reason != alert.muted_by:
            alert.muted_by = reason
    wanted = rules.decide_all(session, config, unmuted, history)
    from_alerts.link_all(
        session, from_alerts.carry_out(session, config, wanted, history), history.now
    )
    return len(unmuted)


MUTED = (
    ALERTS.c.status != AlertStatus.RESOLVED,
    ALERTS.c.muted_by.is_not(None),
    ALERTS.c.incident_id.is_(None),
)


def recheck_muted(session: Session, config: Config, now: datetime) -> int:
    """Look again at open alerts that are muted and started nothing: the silence may have
    ended, or the inhibiting alert resolved."""
    store, history = AlertStore(session), History(now)
    changed = recheck(session, config, store.load(*MUTED), history)
    store.flush()
    history.write(session)
    return changed


def recheck_inhibited_by(ctx: Context, resolved: set[int]) -> int:
    """The open alerts that one of the ``resolved`` alerts inhibited, looked at again (the
    batch's own rows where it holds them)."""
    inhibited = ALERTS.c.muted_by.startswith(INHIBITED_BY, autoescape=True)
    candidates = [
        alert
        for alert in ctx.store.load(*MUTED, inhibited)
        if _inhibitor(alert.muted_by) in resolved
    ]
    return recheck(ctx.session, ctx.config, candidates, ctx.history)


def _inhibitor(muted_by: str | None) -> int | None:
    """The id in ``inhibited by alert 12 (...)``."""
    rest = (muted_by or "")[len(INHIBITED_BY) :]
    number = rest.split(" ", 1)[0]
    return int(number) if number.isdecimal() and number.isascii() else None


def mute_recheck(
    session: Session, config: Config, _payload: MuteRecheckPayload, now: datetime
) -> None:
    recheck_muted(session, config, now)
