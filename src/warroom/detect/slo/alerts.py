"""SLO burn-rate alerts as ordinary signals (integration ``warroom-slo``, source ``slo``).

Each rule of each SLO is one alert (labels: slo, service, team, windows, urgency). The
evaluator writes a trigger when a rule fires and no alert of it is open, and a resolve when
it stops firing and one is open; dedup, routing, silences and alert rules do the rest.
Page rules map to ``page_severity`` (default SEV2), ticket rules to ``ticket_severity``
(default SEV3), through the severity label that the severity map turns into that key.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from warroom.config import Config, format_duration
from warroom.config.slos import Slo
from warroom.detect import open_alerts
from warroom.detect.ownership import owning_team, pick_severity, severity_label
from warroom.detect.slo.rules import RuleState, Urgency
from warroom.detect.slo.status import SloStatus
from warroom.ingest.models import SignalAction, SourceKind
from warroom.ingest.signal import SignalIn

INTEGRATION = "warroom-slo"
ALERT_NAME = "SloBurnRate"
DEFAULT_SEVERITY = {Urgency.PAGE: "SEV2", Urgency.TICKET: "SEV3"}


def identity(slo: Slo, state: RuleState) -> str:
    return f"slo:{slo.name}:{state.rule.urgency}:{state.rule.windows}"


def incident_severity(config: Config, slo: Slo, urgency: Urgency) -> str:
    chosen = slo.page_severity if urgency is Urgency.PAGE else slo.ticket_severity
    return pick_severity(config, chosen, DEFAULT_SEVERITY[urgency])


def open_identities(session: Session, slo: Slo) -> set[str]:
    return open_alerts.open_identities(session, INTEGRATION, f"slo:{slo.name}:")


def _percent(value: float | None) -> str:
    return "no data" if value is None else f"{value * 100:.2f}%"


def _rate(value: float | None) -> str:
    return "no data" if value is None else f"{value:.2f}"


def trigger(config: Config, status: SloStatus, state: RuleState, now: datetime) -> SignalIn:
    slo, rule = status.slo, state.rule
    team = owning_team(config, slo.team, slo.service)
    key = incident_severity(config, slo, rule.urgency)
    label = severity_label(config, key)
    long, short = rule.windows.split("/")
    remaining = status.budget_remaining
    return SignalIn(
        action=SignalAction.TRIGGER,
        identity=identity(slo, state),
        title=f"SLO {slo.name} is burning its error budget {_rate(state.long_burn)}x "
        f"({rule.urgency}, {rule.windows})",
        description=(
            f"{slo.service}: {slo.description or slo.name} (target {slo.target * 100:g}% over "
            f"{format_duration(slo.window)}). The burn rate is {_rate(state.long_burn)} over "
            f"{long} and {_rate(state.short_burn)} over {short}, both above {state.factor:g}: "
            f"at this pace {rule.budget_fraction * 100:g}% of the budget is gone within {long}. "
            f"Error budget remaining: {_percent(remaining)}."
        ),
        severity=label,
        labels={
            "alertname": ALERT_NAME,
            "slo": slo.name,
            "service": slo.service,
            **({"team": team} if team else {}),
            "windows": rule.windows,
            "urgency": rule.urgency.value,
            "severity": label,
        },
        annotations={
            "long_window_burn_rate": _rate(state.long_burn),
            "short_window_burn_rate": _rate(state.short_burn),
            "burn_rate_factor": f"{state.factor:g}",
            "error_budget_remaining": _percent(remaining),
        },
        links=[{"href": f"/slos/{slo.name}", "text": f"SLO {slo.name}"}],
        group_key=f"slo:{slo.name}",
        starts_at=now,
        team=team,
        service=slo.service,
        details={
            "slo": slo.name,
            "windows": rule.windows,
            "urgency": rule.urgency.value,
            "incident_severity": key,
            "long_burn": state.long_burn,
            "short_burn": state.short_burn,
            "factor": state.factor,
            "budget_remaining": remaining,
        },
    )


def resolve(slo: Slo, state: RuleState, now: datetime) -> SignalIn:
    return SignalIn(
        action=SignalAction.RESOLVE,
        identity=identity(slo, state),
        ends_at=now,
        labels={"slo": slo.name, "windows": state.rule.windows},
    )


SOURCE = SourceKind.SLO
