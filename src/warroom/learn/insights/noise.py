"""The alert noise report: per alert name, integration and team, how much of what fired led
to work, and what to tune (each hint with the numbers behind it).

One *fire* is one alert row: warroom opens a new alert each time an identity fires after it
resolved, so a row is one firing episode.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warroom.alerts.models import Alert
from warroom.config import Config
from warroom.escalation.models import Page
from warroom.incidents.models import Incident
from warroom.ingest.drill import DRILL_LABEL
from warroom.learn.insights.stats import p90
from warroom.learn.insights.window import Window

UNOWNED = "(unowned)"
AUTO_RESOLVED_SHARE = 0.5
"""raise_for: at least this share of the fires resolved on their own, quickly."""
FLAPPING_SHARE = 0.25
"""silence: at least this share of the fires were marked flapping."""
MERGE_SHARE = 0.8
"""merge: at least this share of the alert's incidents also carried one other alert name."""


class HintKind(StrEnum):
    DELETE = "delete"
    RAISE_FOR = "raise_for"
    SILENCE = "silence"
    MERGE = "merge"


@dataclass(frozen=True)
class Hint:
    kind: HintKind
    advice: str
    evidence: str


@dataclass(frozen=True)
class AlertKey:
    name: str
    integration: str
    team: str


@dataclass
class AlertNoise:
    key: AlertKey
    fires: int = 0
    led_to_acknowledged: int = 0
    """Fires attached to an incident that someone acknowledged."""
    auto_resolved: int = 0
    """Fires never acknowledged that resolved within ``auto_resolve_within`` of starting."""
    flapping: int = 0
    incidents: int = 0
    acknowledged_incidents: int = 0
    pages: int = 0
    """Pages sent for the incidents this alert was attached to."""
    auto_resolved_p90: float | None = None
    """Seconds from start to resolution of the auto-resolved fires, nearest-rank p90."""
    hints: list[Hint] = field(default_factory=list)
    not_useful: int = 0
    """Times responders marked this alert's detections "not useful" (monitors)."""

    @property
    def never_acknowledged(self) -> int:
        return self.fires - self.led_to_acknowledged

    @property
    def pages_per_acknowledged_incident(self) -> float | None:
        if not self.acknowledged_incidents:
            return None
        return self.pages / self.acknowledged_incidents


NotUsefulCounter = Callable[[Session], dict[str, int]]
"""Per alert name, how many "not useful" marks responders gave its source (monitors). The
detection layer registers one from the composition root; insights never imports it."""
NOT_USEFUL_COUNTERS: list[NotUsefulCounter] = []


@dataclass(frozen=True)
class NoiseReport:
    window: Window
    auto_resolve_within: timedelta
    min_fires: int
    alerts: list[AlertNoise]


def alert_name(alert: Alert) -> str:
    """Alertmanager's alertname label when there is one, else the alert's title."""
    return alert.labels.get("alertname") or alert.title


def _key(alert: Alert) -> AlertKey:
    return AlertKey(alert_name(alert), alert.integration, alert.team or UNOWNED)


def _minutes(seconds: float) -> str:
    return f"{math.ceil(seconds / 60)}m"


def _percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%"


def _hints(
    noise: AlertNoise, within: timedelta, min_fires: int, partner: tuple[str, int] | None
) -> list[Hint]:
    if noise.fires < min_fires:
        return []
    hints: list[Hint] = []
    window = _minutes(within.total_seconds())
    if noise.auto_resolved >= AUTO_RESOLVED_SHARE * noise.fires:
        assert noise.auto_resolved_p90 is not None
        hints.append(
            Hint(
                HintKind.RAISE_FOR,
                f"raise its for: duration above {_minutes(noise.auto_resolved_p90)}",
                f"{noise.auto_resolved} of {noise.fires} fires "
                f"({_percent(noise.auto_resolved, noise.fires)}) resolved on their own within "
                f"{window}; p90 {_minutes(noise.auto_resolved_p90)} from start to resolution",
            )
        )
    if noise.flapping >= FLAPPING_SHARE * noise.fires:
        hints.append(
            Hint(
                HintKind.SILENCE,
                "silence it while it flaps, and give its threshold hysteresis",
                f"{noise.flapping} of {noise.fires} fires "
                f"({_percent(noise.flapping, noise.fires)}) were flapping",
            )
        )
    if partner is not None and noise.incidents:
        other, together = partner
        if together >= MERGE_SHARE * noise.incidents:
            hints.append(
                Hint(
                    HintKind.MERGE,
                    f"merge it with {other}",
                    f"{together} of its {noise.incidents} incidents also carried {other}",
                )
            )
    if noise.led_to_acknowledged == 0:
        hints.append(
            Hint(
                HintKind.DELETE,
                "delete it, or make it a ticket instead of an incident",
                f"{noise.fires} fires, none led to an acknowledged incident",
            )
        )
    return hints


def _pages_per_incident(session: Session, incident_ids: Iterable[int]) -> dict[int, int]:
    ids = sorted(set(incident_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(Page.incident_id, func.count())
        .where(Page.incident_id.in_(ids))
        .group_by(Page.incident_id)
    ).all()
    return {incident_id: count for incident_id, count in rows}


def _acknowledged(session: Session, incident_ids: Iterable[int]) -> set[int]:
    ids = sorted(set(incident_ids))
    if not ids:
        return set()
    stmt = select(Incident.id).where(Incident.id.in_(ids), Incident.acknowledged_at.is_not(None))
    return set(session.scalars(stmt).all())


def _names_per_incident(session: Session, incident_ids: Iterable[int]) -> dict[int, set[str]]:
    ids = sorted(set(incident_ids))
    names: dict[int, set[str]] = defaultdict(set)
    if ids:
        stmt = select(Alert.incident_id, Alert.labels, Alert.title).where(
            Alert.incident_id.in_(ids)
        )
        for incident_id, labels, title in session.execute(stmt).all():
            assert incident_id is not None
            names[incident_id].add(labels.get("alertname") or title)
    return names


def _partner(
    name: str, incidents: Sequence[int], names: dict[int, set[str]]
) -> tuple[str, int] | None:
    """The other alert name most often on the same incidents, and on how many."""
    seen: Counter[str] = Counter()
    for incident_id in incidents:
        seen.update(n for n in names.get(incident_id, set()) if n != name)
    if not seen:
        return None
    other, together = min(seen.items(), key=lambda item: (-item[1], item[0]))
    return other, together


def report(
    session: Session, config: Config, window: Window, *, include_drills: bool = False
) -> NoiseReport:
    """Drills' alerts (labelled ``warroom_drill``) are left out unless ``include_drills``."""
    settings = config.insights
    within = settings.auto_resolve_within
    stmt = (
        select(Alert)
        .where(Alert.first_seen_at >= window.since, Alert.first_seen_at < window.until)
        .order_by(Alert.id)
    )
    alerts = [
        a for a in session.scalars(stmt).all() if include_drills or DRILL_LABEL not in a.labels
    ]
    linked = [a.incident_id for a in alerts if a.incident_id is not None]
    acknowledged = _acknowledged(session, linked)
    pages = _pages_per_incident(session, linked)
    names = _names_per_incident(session, linked)

    grouped: dict[AlertKey, list[Alert]] = defaultdict(list)
    for alert in alerts:
        grouped[_key(alert)].append(alert)
    out: list[AlertNoise] = []
    for key, rows in grouped.items():
        noise = AlertNoise(key, fires=len(rows))
        quick: list[float] = []
        for alert in rows:
            if alert.incident_id in acknowledged:
                noise.led_to_acknowledged += 1
            if alert.flapping:
                noise.flapping += 1
            if alert.resolved_at is not None and alert.acknowledged_at is None:
                lasted = (alert.resolved_at - alert.starts_at).total_seconds()
                if lasted <= within.total_seconds():
                    quick.append(lasted)
        noise.auto_resolved = len(quick)
        noise.auto_resolved_p90 = p90(quick)
        incidents = sorted({a.incident_id for a in rows if a.incident_id is not None})
        noise.incidents = len(incidents)
        noise.acknowledged_incidents = sum(1 for i in incidents if i in acknowledged)
        noise.pages = sum(pages.get(i, 0) for i in incidents)
        noise.hints = _hints(
            noise, within, settings.noise_min_fires, _partner(key.name, incidents, names)
        )
        out.append(noise)
    marks: dict[str, int] = defaultdict(int)
    for counter in NOT_USEFUL_COUNTERS:
        for name, count in counter(session).items():
            marks[name] += count
    for noise in out:
        noise.not_useful = marks.get(noise.key.name, 0)
    out.sort(
        key=lambda n: (-n.never_acknowledged, -n.fires, n.key.name, n.key.integration, n.key.team)
    )
    return NoiseReport(window, within, settings.noise_min_fires, out)
