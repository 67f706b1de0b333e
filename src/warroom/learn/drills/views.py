"""The answers of the drill routes (API and web), built from the domain's rows."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.config import Config
from warroom.config.drills import DrillScenario
from warroom.incidents.models import Incident
from warroom.learn.drills.models import DrillRun
from warroom.learn.drills.schemas import (
    MeasureOut,
    MeasureSummaryOut,
    PeriodOut,
    RunOut,
    ScenarioOut,
    SlotOut,
    TargetsOut,
    TeamScorecardOut,
)
from warroom.learn.drills.scorecard import MeasureSummary, TeamScorecard
from warroom.learn.drills.targets import targets_of


def scenario_out(config: Config, scenario: DrillScenario) -> ScenarioOut:
    targets = targets_of(config, scenario)
    team = config.team(scenario.team)
    slot = scenario.schedule
    return ScenarioOut(
        name=scenario.name,
        team=scenario.team,
        kind=scenario.kind,
        integration=scenario.integration,
        project=scenario.project,
        title=scenario.title,
        signal_severity=scenario.signal_severity,
        expect_severity=scenario.expect_severity,
        targets=TargetsOut(
            detect_seconds=targets.detect.total_seconds(),
            acknowledge_seconds=targets.acknowledge.total_seconds(),
            first_update_seconds=targets.first_update.total_seconds(),
        ),
        schedule=SlotOut(day=slot.day.value, at=slot.at, timezone=team.timezone if team else "UTC")
        if slot is not None
        else None,
    )


def refs(session: Session, runs: Sequence[DrillRun]) -> dict[int, str]:
    ids = {run.incident_id for run in runs if run.incident_id is not None}
    if not ids:
        return {}
    found = session.scalars(select(Incident).where(Incident.id.in_(ids)))
    return {incident.id: incident.ref for incident in found}


def run_out(run: DrillRun, refs_: dict[int, str]) -> RunOut:
    return RunOut(
        id=run.id,
        scenario=run.scenario,
        team=run.team,
        kind=run.kind,
        trigger=run.trigger,
        started_by=run.started_by,
        scheduled_for=run.scheduled_for,
        status=run.status,
        ended=run.ended,
        detail=run.detail,
        token=run.token,
        incident=refs_.get(run.incident_id) if run.incident_id is not None else None,
        expect_severity=run.expect_severity,
        severity=run.severity,
        severity_passed=run.severity_passed,
        injected_at=run.injected_at,
        opened_at=run.opened_at,
        acknowledged_at=run.acknowledged_at,
        first_update_at=run.first_update_at,
        resolved_at=run.resolved_at,
        scored_at=run.scored_at,
        detect=MeasureOut(
            seconds=run.detect_seconds,
            target_seconds=run.detect_target_seconds,
            passed=run.detect_passed,
        ),
        acknowledge=MeasureOut(
            seconds=run.acknowledge_seconds,
            target_seconds=run.acknowledge_target_seconds,
            passed=run.acknowledge_passed,
        ),
        first_update=MeasureOut(
            seconds=run.first_update_seconds,
            target_seconds=run.first_update_target_seconds,
            passed=run.first_update_passed,
        ),
        passed=run.passed,
    )


def runs_out(session: Session, runs: Sequence[DrillRun]) -> list[RunOut]:
    found = refs(session, runs)
    return [run_out(run, found) for run in runs]


def _summary(summary: MeasureSummary) -> MeasureSummaryOut:
    return MeasureSummaryOut(median_seconds=summary.median_seconds, met=summary.met)


def scorecard_out(card: TeamScorecard) -> TeamScorecardOut:
    return TeamScorecardOut(
        team=card.team,
        runs=card.runs,
        passed=card.passed,
        weeks=[
            PeriodOut(
                week_of=week.week_of,
                runs=week.runs,
                passed=week.passed,
                detect=_summary(week.detect),
                acknowledge=_summary(week.acknowledge),
                first_update=_summary(week.first_update),
            )
            for week in card.weeks
        ],
    )
