"""Drill runs: start one, record what intake answered, follow its incident, score it.

A run is a row before anything is sent (so the incident it causes always finds it), its
``token`` the value of the drill mark on the signal. The listener links the drill incident
to its run when it opens; the run is scored when the incident resolves, or by the
``drill_timeout`` job ``drills.timeout`` after injection, whichever comes first."""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import datetime
from typing import TypedDict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warroom.alerts.models import Alert
from warroom.config import Config
from warroom.config.drills import DrillKind, DrillScenario
from warroom.errors.models import Issue, IssueTag
from warroom.incidents.models import Incident, StatusUpdate
from warroom.ingest.drill import DRILL_LABEL, drill_token
from warroom.ingest.heartbeat import heartbeat_signal, heartbeat_spec
from warroom.ingest.models import SignalAction, SourceKind
from warroom.ingest.signal import persist
from warroom.jobs.queue import schedule
from warroom.learn.drills.models import DrillRun, RunEnd, RunStatus, RunTrigger
from warroom.learn.drills.scoring import Observed, score
from warroom.learn.drills.targets import targets_of
from warroom.problems import Conflict, InvalidInput, NotFound

TIMEOUT_JOB = "drill_timeout"


class TimeoutPayload(TypedDict):
    """Job ``drill_timeout``: score run ``run_id`` with what it has, if still running."""

    run_id: int


def scenario_of(config: Config, name: str) -> DrillScenario:
    scenario = config.drill(name)
    if scenario is None:
        known = ", ".join(s.name for s in config.drills.scenarios) or "none configured"
        raise NotFound(f"unknown drill scenario '{name}' (known: {known})", field="name")
    return scenario


def start(
    session: Session,
    scenario: DrillScenario,
    trigger: RunTrigger,
    started_by: str | None,
    now: datetime,
    scheduled_for: datetime | None = None,
) -> DrillRun:
    run = DrillRun(
        token=f"drill-{secrets.token_hex(8)}",
        scenario=scenario.name,
        team=scenario.team,
        kind=scenario.kind,
        trigger=trigger,
        started_by=started_by,
        scheduled_for=scheduled_for,
        status=RunStatus.INJECTING,
        detail="",
        expect_severity=scenario.expect_severity,
        injected_at=now,
    )
    session.add(run)
    session.flush()
    return run


def injected(session: Session, config: Config, run: DrillRun, now: datetime) -> None:
    """Intake took the signal: wait for the incident, at most ``drills.timeout``."""
    run.status = RunStatus.RUNNING
    payload: TimeoutPayload = {"run_id": run.id}
    due = run.injected_at + config.drills.timeout
    schedule(session, TIMEOUT_JOB, due, now, dict(payload), key=f"drill-timeout:{run.id}")


def refused(run: DrillRun, why: str, now: datetime) -> None:
    run.status = RunStatus.FAILED
    run.ended = RunEnd.REFUSED
    run.detail = why[:2000]
    run.scored_at = now


def inject_heartbeat(
    session: Session, config: Config, scenario: DrillScenario, run: DrillRun, now: datetime
) -> None:
    """A missed beat, as the heartbeat detector writes it, under the drill's own identity
    (the real heartbeat's alert and state are left alone)."""
    integration = config.integration(scenario.integration or "")
    spec = heartbeat_spec(integration) if integration is not None else None
    if integration is None or spec is None:
        raise InvalidInput(
            f"'{scenario.integration}' is not a heartbeat integration", field="integration"
        )
    signal = heartbeat_signal(
        integration,
        spec,
        SignalAction.TRIGGER,
        f"{integration.heartbeat_title} ({scenario.title})",
        f"Game day drill {scenario.name}: a missed beat of {integration.display_name}.",
        {"drill": run.token},
        starts_at=now,
    )
    labels = {**signal.labels, "team": scenario.team, **scenario.labels, DRILL_LABEL: run.token}
    drill = replace(signal, identity=f"heartbeat:{run.token}", labels=labels)
    persist(session, integration.slug, SourceKind.HEARTBEAT, [drill], now)


def token_of(session: Session, incident: Incident) -> str | None:
    """The drill mark on the incident's alerts or error issues."""
    for labels in session.scalars(select(Alert.labels).where(Alert.incident_id == incident.id)):
        token = drill_token(labels)
        if token is not None:
            return token
    return session.scalar(
        select(IssueTag.value)
        .join(Issue, Issue.id == IssueTag.issue_id)
        .where(Issue.incident_id == incident.id, IssueTag.key == DRILL_LABEL)
        .limit(1)
    )


def link(session: Session, incident: Incident) -> DrillRun | None:
    """The drill incident has opened: its run learns which incident it is and when."""
    token = token_of(session, incident)
    if token is None:
        return None
    run = session.scalar(select(DrillRun).where(DrillRun.token == token).with_for_update())
    if run is None or run.incident_id is not None:
        return None
    run.incident_id = incident.id
    run.opened_at = incident.declared_at
    run.severity = incident.severity
    return run


def first_update_at(session: Session, incident_id: int) -> datetime | None:
    return session.scalar(
        select(func.min(StatusUpdate.at)).where(StatusUpdate.incident_id == incident_id)
    )


def finish(session: Session, config: Config, run: DrillRun, ended: RunEnd, now: datetime) -> None:
    """Score the run with what its incident shows now."""
    if run.status is not RunStatus.RUNNING:
        raise Conflict(f"drill run {run.id} is {run.status.value}, not running", field="run")
    incident = session.get(Incident, run.incident_id) if run.incident_id is not None else None
    if incident is not None:
        run.opened_at = incident.declared_at
        run.severity = incident.severity
        run.acknowledged_at = incident.acknowledged_at
        run.first_update_at = first_update_at(session, incident.id)
        run.resolved_at = incident.resolved_at
    scenario = config.drill(run.scenario)
    if scenario is None:
        # The scenario left the configuration: keep the run, measured against the defaults.
        scenario = DrillScenario(
            name=run.scenario,
            team=run.team,
            kind=DrillKind(run.kind),
            title=run.scenario,
            expect_severity=run.expect_severity,
        )
    observed = Observed(
        injected_at=run.injected_at,
        opened_at=run.opened_at,
        acknowledged_at=run.acknowledged_at,
        first_update_at=run.first_update_at,
        severity=run.severity,
    )
    result = score(observed, targets_of(config, scenario), run.expect_severity)
    run.detect_seconds = result.detect.seconds
    run.acknowledge_seconds = result.acknowledge.seconds
    run.first_update_seconds = result.first_update.seconds
    run.detect_target_seconds = result.detect.target_seconds
    run.acknowledge_target_seconds = result.acknowledge.target_seconds
    run.first_update_target_seconds = result.first_update.target_seconds
    run.detect_passed = result.detect.passed
    run.acknowledge_passed = result.acknowledge.passed
    run.first_update_passed = result.first_update.passed
    run.severity_passed = result.severity_passed
    run.passed = result.passed
    run.status = RunStatus.SCORED
    run.ended = ended
    if incident is None:
        run.detail = "no incident opened before the timeout"
    run.scored_at = now


def drill_timeout(session: Session, config: Config, payload: TimeoutPayload, now: datetime) -> None:
    """Job ``drill_timeout``: a run still running is scored as it stands."""
    run = session.scalar(select(DrillRun).where(DrillRun.id == payload["run_id"]).with_for_update())
    if run is None or run.status is not RunStatus.RUNNING:
        return
    finish(session, config, run, RunEnd.TIMEOUT, now)


def get_run(session: Session, run_id: int) -> DrillRun:
    run = session.get(DrillRun, run_id)
    if run is None:
        raise NotFound(f"drill run {run_id} does not exist", field="run_id")
    return run


def runs(
    session: Session, team: str | None = None, scenario: str | None = None, limit: int = 100
) -> list[DrillRun]:
    stmt = select(DrillRun).order_by(DrillRun.injected_at.desc(), DrillRun.id.desc()).limit(limit)
    if team is not None:
        stmt = stmt.where(DrillRun.team == team)
    if scenario is not None:
        stmt = stmt.where(DrillRun.scenario == scenario)
    return list(session.scalars(stmt))
