"""Capacity forecasts as signals (integration ``warroom-forecast``, source ``detect``).

Each series a forecast's query returns is fitted on its own; when its expected crossing of
the limit falls within the horizon, a trigger says e.g. "disk /data on db-1 full in ~9 days
(6-13)" (SEV3 by default: working hours); when it no longer does, a resolve.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime, timedelta

from warroom.config import Config, format_duration
from warroom.config.forecasts import Forecast
from warroom.detect.forecast.model import DAY, HOUR, Crossing, Fit
from warroom.detect.ownership import owning_team, pick_severity, severity_label
from warroom.detect.series import Labels
from warroom.ingest.models import SignalAction, SourceKind
from warroom.ingest.signal import SignalIn

INTEGRATION = "warroom-forecast"
SOURCE = SourceKind.DETECT
ALERT_NAME = "CapacityForecast"
DEFAULT_SEVERITY = "SEV3"
EN_DASH = "\u2013"


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return f"{{{key}}}"


def subject(forecast: Forecast, labels: Labels) -> str:
    """The title with ``{label}`` placeholders filled (unknown ones left as written)."""
    try:
        return forecast.title.format_map(_Blank(dict(labels)))
    except (ValueError, IndexError):
        return forecast.title


def identity(forecast: Forecast, labels: Labels) -> str:
    digest = hashlib.sha256(repr(labels).encode()).hexdigest()[:16]
    return f"forecast:{forecast.name}:{digest}"


def in_words(found: Crossing) -> str:
    """``~9 days (6-13)`` (an en dash between) in days from 2 days on, else hours."""
    assert found.expected is not None
    unit, size = ("days", DAY) if found.expected >= 2 * DAY else ("hours", HOUR)

    def count(seconds: float) -> str:
        return str(round(seconds / size))

    low = count(found.earliest) if found.earliest is not None else "?"
    if found.latest is None:
        return f"~{count(found.expected)} {unit} (at least {low})"
    return f"~{count(found.expected)} {unit} ({low}{EN_DASH}{count(found.latest)})"


def trigger(
    config: Config,
    forecast: Forecast,
    labels: Labels,
    model: Fit,
    found: Crossing,
    now: datetime,
) -> SignalIn:
    team = owning_team(config, forecast.team, forecast.service)
    key = pick_severity(config, forecast.severity, DEFAULT_SEVERITY)
    label = severity_label(config, key)
    what = subject(forecast, labels)
    assert found.expected is not None
    when = datetime.fromtimestamp(model.at + found.expected, tz=now.tzinfo)
    series = dict(labels)
    return SignalIn(
        action=SignalAction.TRIGGER,
        identity=identity(forecast, labels),
        title=f"{what} in {in_words(found)}",
        description=(
            f"The trend of {forecast.query} {_series_text(series)}crosses {forecast.limit:g} "
            f"({forecast.direction}) around {when:%Y-%m-%d %H:%M} UTC: {in_words(found)} "
            f"(90% interval), within the horizon of {format_duration(forecast.horizon)}. "
            f"Trend {model.slope * DAY:+.4g} per day, fitted on {model.points} hourly means."
        ),
        severity=label,
        labels={
            "alertname": ALERT_NAME,
            "forecast": forecast.name,
            **{k: v for k, v in series.items() if k != "__name__"},
            **({"service": forecast.service} if forecast.service else {}),
            **({"team": team} if team else {}),
            "severity": label,
        },
        annotations={
            "expected_crossing": when.isoformat(),
            "limit": f"{forecast.limit:g}",
            "trend_per_day": f"{model.slope * DAY:+.4g}",
        },
        starts_at=now,
        team=team,
        service=forecast.service,
        details={
            "forecast": forecast.name,
            "expected_seconds": found.expected,
            "earliest_seconds": found.earliest,
            "latest_seconds": found.latest,
            "incident_severity": key,
        },
    )


def resolve(forecast: Forecast, labels: Labels, now: datetime) -> SignalIn:
    return SignalIn(
        action=SignalAction.RESOLVE,
        identity=identity(forecast, labels),
        ends_at=now,
        labels={"forecast": forecast.name},
    )


def _series_text(labels: Mapping[str, str]) -> str:
    shown = ", ".join(f"{k}={v}" for k, v in sorted(labels.items()) if k != "__name__")
    return f"({shown}) " if shown else ""


def within(found: Crossing, horizon: timedelta) -> bool:
    return found.expected is not None and found.expected <= horizon.total_seconds()
