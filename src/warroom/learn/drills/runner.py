"""Running a drill: record the run, send its signal through intake, record the answer.

The signal goes through warroom's own HTTP intake (``transport``: the app itself, so the
request meets the same dispatcher, key check, parser, limits and durable writer as a
sender's), never straight into a table. A missed heartbeat has no request: it is written as
the heartbeat detector writes one. Nothing is held open while intake works."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

import httpx
from sqlalchemy.orm import Session, sessionmaker

from warroom.auth.permissions import PRINCIPAL_KEY, Principal
from warroom.config import Config
from warroom.config.drills import DrillKind
from warroom.learn.drills import service
from warroom.learn.drills.models import DrillRun, RunTrigger
from warroom.learn.drills.requests import IntakeRequest, intake_request

INTAKE_BASE = "http://warroom.drill"
"""Host of the in-process requests (the app answers on any host)."""


class DrillRunner:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        config: Callable[[], Config],
        clock: Callable[[], datetime],
        transport: httpx.AsyncBaseTransport,
        wake: Callable[[], None],
    ) -> None:
        self.session_factory = session_factory
        self.config = config
        self.clock = clock
        self.transport = transport
        self.wake = wake

    async def run(
        self,
        name: str,
        trigger: RunTrigger,
        started_by: str | None,
        scheduled_for: datetime | None = None,
        principal: Principal | None = None,
    ) -> int:
        """Start a run of scenario ``name``; returns the run's id (refused runs included).
        A person's run (``principal``) is in the audit log under their name."""
        config = self.config()
        scenario = service.scenario_of(config, name)
        run_id, request = await asyncio.to_thread(
            self._start, config, name, trigger, started_by, scheduled_for, principal
        )
        if request is None:
            return run_id
        async with httpx.AsyncClient(transport=self.transport, base_url=INTAKE_BASE) as client:
            answer = await client.post(request.path, content=request.body, headers=request.headers)
        ok = answer.status_code < 300
        why = "" if ok else f"intake answered {answer.status_code}: {answer.text[:500]}"
        await asyncio.to_thread(self._answered, config, run_id, why)
        if scenario.kind is not DrillKind.HEARTBEAT:
            self.wake()
        return run_id

    def _start(
        self,
        config: Config,
        name: str,
        trigger: RunTrigger,
        started_by: str | None,
        scheduled_for: datetime | None,
        principal: Principal | None,
    ) -> tuple[int, IntakeRequest | None]:
        scenario = service.scenario_of(config, name)
        now = self.clock()
        with self.session_factory() as session:
            if principal is not None:
                session.info[PRINCIPAL_KEY] = principal
            run = service.start(session, scenario, trigger, started_by, now, scheduled_for)
            request = intake_request(config, scenario, run.token, now)
            if scenario.kind is DrillKind.HEARTBEAT:
                service.inject_heartbeat(session, config, scenario, run, now)
                service.injected(session, config, run, now)
            run_id = run.id
            session.commit()
        if scenario.kind is DrillKind.HEARTBEAT:
            self.wake()
        return run_id, request

    def _answered(self, config: Config, run_id: int, why: str) -> None:
        now = self.clock()
        with self.session_factory() as session:
            run = session.get(DrillRun, run_id, with_for_update=True)
            assert run is not None
            if why:
                service.refused(run, why, now)
            else:
                service.injected(session, config, run, now)
            session.commit()
