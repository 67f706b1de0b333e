"""Scheduled drills: each scenario with a weekly ``schedule`` runs once per slot (a day and
a time in its team's time zone). A slot missed by more than ``SLOT_GRACE`` (warroom was
down) is skipped rather than run late; one run per scenario and slot, however many
``warroom serve`` processes look (the database's unique slot decides)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from warroom.config import Config
from warroom.config.drills import DrillScenario, DrillSlot
from warroom.config.hours import WEEKDAYS
from warroom.learn.drills.models import DrillRun, RunTrigger
from warroom.learn.drills.runner import DrillRunner

log = structlog.get_logger("warroom.learn.drills")

SLOT_GRACE = timedelta(minutes=30)
CHECK_EVERY = 30.0


def last_slot(slot: DrillSlot, zone_now: datetime) -> datetime:
    """The latest occurrence of the weekly slot at or before ``zone_now`` (aware, in the
    team's zone), in UTC."""
    days_back = (zone_now.weekday() - WEEKDAYS.index(slot.day)) % 7
    day = zone_now.date() - timedelta(days=days_back)
    at = datetime.combine(day, slot.local_time, tzinfo=zone_now.tzinfo)
    if at > zone_now:
        at -= timedelta(days=7)
    return at.astimezone(UTC)


def due(config: Config, now: datetime) -> list[tuple[DrillScenario, datetime]]:
    """The scenarios whose latest slot passed within ``SLOT_GRACE``, with that slot."""
    found = []
    for scenario in config.drills.scenarios:
        team = config.team(scenario.team)
        if scenario.schedule is None or team is None:
            continue
        slot = last_slot(scenario.schedule, now.astimezone(team.zone))
        if now - slot < SLOT_GRACE:
            found.append((scenario, slot))
    return found


class DrillScheduler:
    """Runs the due scheduled drills; ``warroom serve`` calls ``tick`` every ``CHECK_EVERY``."""

    def __init__(self, runner: DrillRunner, session_factory: sessionmaker[Session]) -> None:
        self.runner = runner
        self.session_factory = session_factory

    def _taken(self, scenario: str, slot: datetime) -> bool:
        with self.session_factory() as session:
            stmt = select(DrillRun.id).where(
                DrillRun.scenario == scenario, DrillRun.scheduled_for == slot
            )
            return session.scalar(stmt) is not None

    async def tick(self) -> list[int]:
        """Start each due slot's run once; returns the runs started."""
        started = []
        for scenario, slot in due(self.runner.config(), self.runner.clock()):
            if await asyncio.to_thread(self._taken, scenario.name, slot):
                continue
            try:
                started.append(
                    await self.runner.run(scenario.name, RunTrigger.SCHEDULE, None, slot)
                )
            except IntegrityError:
                continue  # another process took the slot first
        return started

    async def loop(self, every: float = CHECK_EVERY) -> None:
        while True:
            try:
                for run_id in await self.tick():
                    log.info("drill_scheduled_run", run=run_id)
            except Exception:  # a bad tick must not stop the next: log it and go on
                log.exception("drill_schedule_failed")
            await asyncio.sleep(every)
