"""Timers of the route stage: re-check a rule once an alert has fired long enough."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from warroom.alerts.models import Alert, AlertStatus
from warroom.config import Config
from warroom.route import rules
from warroom.route.mute import InhibitMuter, SilenceMuter, first_reason


def alert_rule_check(
    session: Session, config: Config, payload: dict[str, Any], now: datetime
) -> None:
    alert = session.get(Alert, int(payload["alert_id"]), with_for_update=True)
    if alert is None or alert.status is AlertStatus.RESOLVED or alert.incident_id is not None:
        return
    alert.muted_by = first_reason([SilenceMuter(), InhibitMuter(config)], session, alert, now)
    rules.evaluate(session, config, alert, now)
