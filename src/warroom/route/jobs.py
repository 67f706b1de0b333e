"""Timers of the route stage: re-check a rule once an alert has fired long enough, and
look again at muted alerts when a silence ends."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.alerts.dedup import record
from warroom.alerts.models import Alert, AlertEventKind, AlertStatus
from warroom.alerts.mute import InhibitMuter, SilenceMuter, first_reason
from warroom.alerts.service import MUTE_RECHECK_JOB
from warroom.config import Config
from warroom.route import rules

__all__ = ["MUTE_RECHECK_JOB", "alert_rule_check", "mute_recheck", "recheck_muted"]


def alert_rule_check(
    session: Session, config: Config, payload: dict[str, Any], now: datetime
) -> None:
    alert = session.get(Alert, int(payload["alert_id"]), with_for_update=True)
    if alert is None or alert.status is AlertStatus.RESOLVED or alert.incident_id is not None:
        return
    alert.muted_by = first_reason([SilenceMuter(), InhibitMuter(config)], session, alert, now)
    rules.evaluate(session, config, alert, now)


def recheck_muted(
    session: Session, config: Config, now: datetime, muted_by_prefix: str | None = None
) -> int:
    """Look again at open alerts that are muted and started nothing: the silence may have
    ended, or the inhibiting alert resolved. Unmuted ones go through the rules now."""
    stmt = select(Alert).where(
        Alert.status != AlertStatus.RESOLVED,
        Alert.muted_by.is_not(None),
        Alert.incident_id.is_(None),
    )
    if muted_by_prefix is not None:
        stmt = stmt.where(Alert.muted_by.startswith(muted_by_prefix, autoescape=True))
    changed = 0
    for alert in session.scalars(stmt.order_by(Alert.id)):
        reason = first_reason([SilenceMuter(), InhibitMuter(config)], session, alert, now)
        if reason is None:
            text = f"no longer muted ({alert.muted_by})"
            record(session, alert, AlertEventKind.MUTED, text, now)
            alert.muted_by = None
            rules.evaluate(session, config, alert, now)
            changed += 1
        elif reason != alert.muted_by:
            alert.muted_by = reason
    return changed


def mute_recheck(session: Session, config: Config, _payload: dict[str, Any], now: datetime) -> None:
    recheck_muted(session, config, now)
