"""A generated incident history: 200 incidents over 90 days, written as rows in the real
database, and kept as plain data so the tests can compute the figures on their own."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from warroom.incidents.enums import DetectionSource, IncidentStatus
from warroom.incidents.models import Incident, IncidentService

SEED = 15
COUNT = 200
DAYS = 90
TEAM_SERVICES = {
    "payments": ["payments-api"],
    "checkout": ["checkout-api", "checkout-queue"],
    "platform": ["postgres-primary"],
    "triage": ["search-api"],
}
SEVERITIES = (("SEV1", 8), ("SEV2", 20), ("SEV3", 50), ("SEV4", 22))


@dataclass(frozen=True)
class Generated:
    number: int
    team: str
    severity: str
    services: tuple[str, ...]
    source: DetectionSource
    drill: bool
    impact_started_at: datetime
    detected_at: datetime
    acknowledged_at: datetime | None
    mitigated_at: datetime | None
    resolved_at: datetime | None

    def seconds(self, start: datetime | None, end: datetime | None) -> float | None:
        return None if start is None or end is None else (end - start).total_seconds()

    @property
    def ttd(self) -> float | None:
        return self.seconds(self.impact_started_at, self.detected_at)

    @property
    def tta(self) -> float | None:
        return self.seconds(self.detected_at, self.acknowledged_at)

    @property
    def ttm(self) -> float | None:
        return self.seconds(self.detected_at, self.mitigated_at)

    @property
    def ttr(self) -> float | None:
        return self.seconds(self.detected_at, self.resolved_at)


def generate(now: datetime, seed: int = SEED) -> list[Generated]:
    rng = random.Random(seed)
    keys = [key for key, _ in SEVERITIES]
    weights = [weight for _, weight in SEVERITIES]
    out = []
    for number in range(1, COUNT + 1):
        team = rng.choice(sorted(TEAM_SERVICES))
        services = tuple(sorted(rng.sample(TEAM_SERVICES[team], rng.randint(0, 1))))
        # Whole seconds: both backends store them exactly.
        detected = now - timedelta(seconds=rng.randint(60, DAYS * 86400 - 60))
        impact = detected - timedelta(seconds=rng.randint(0, 3 * 3600))
        acknowledged = mitigated = resolved = None
        if rng.random() < 0.9:
            acknowledged = detected + timedelta(seconds=rng.randint(30, 1800))
            if rng.random() < 0.85:
                mitigated = acknowledged + timedelta(seconds=rng.randint(60, 4 * 3600))
                if rng.random() < 0.85:
                    resolved = mitigated + timedelta(seconds=rng.randint(60, 8 * 3600))
        resolved = resolved if resolved is None or resolved < now else None
        mitigated = mitigated if mitigated is None or mitigated < now else None
        acknowledged = acknowledged if acknowledged is None or acknowledged < now else None
        if acknowledged is None:
            mitigated = resolved = None
        if mitigated is None:
            resolved = None
        out.append(
            Generated(
                number=number,
                team=team,
                severity=rng.choices(keys, weights)[0],
                services=services,
                source=rng.choice(list(DetectionSource)),
                drill=rng.random() < 0.05,
                impact_started_at=impact,
                detected_at=detected,
                acknowledged_at=acknowledged,
                mitigated_at=mitigated,
                resolved_at=resolved,
            )
        )
    return out


def _status(g: Generated) -> IncidentStatus:
    if g.resolved_at is not None:
        return IncidentStatus.RESOLVED
    if g.mitigated_at is not None:
        return IncidentStatus.MITIGATED
    if g.acknowledged_at is not None:
        return IncidentStatus.ACKNOWLEDGED
    return IncidentStatus.TRIGGERED


def write(engine: Engine, history: list[Generated]) -> None:
    with Session(engine) as session:
        for g in history:
            session.add(
                Incident(
                    number=g.number,
                    title=f"Generated incident {g.number}",
                    severity=g.severity,
                    status=_status(g),
                    team=g.team,
                    impact_started_at=g.impact_started_at,
                    detected_at=g.detected_at,
                    acknowledged_at=g.acknowledged_at,
                    mitigated_at=g.mitigated_at,
                    resolved_at=g.resolved_at,
                    declared_at=g.detected_at,
                    updated_at=g.detected_at,
                    detection_source=g.source,
                    drill=g.drill,
                    services=[IncidentService(service=s) for s in g.services],
                )
            )
        session.commit()
