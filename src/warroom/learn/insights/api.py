"""Routes: ``/api/v1/insights/…`` (anyone who may read)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from warroom.clock import as_utc
from warroom.http.deps import ConfigDep, NowDep, ReaderDep, SessionDep
from warroom.http.inputs import Instant
from warroom.learn.insights import detection, durations, follow_through, load, noise, oncall
from warroom.learn.insights.incidents import GroupBy
from warroom.learn.insights.schemas import (
    DetectionOut,
    DurationsOut,
    FollowThroughOut,
    LoadReportOut,
    NoiseOut,
    OncallOut,
)
from warroom.learn.insights.window import Window

router = APIRouter(prefix="/api/v1/insights", tags=["insights"])

Since = Annotated[
    Instant | None, Query(description="Start of the window; default 30 days before until.")
]
Until = Annotated[Instant | None, Query(description="End of the window; default now.")]
Drills = Annotated[bool, Query(description="Count drills (game days) too.")]


def _window(since: AwareDatetime | None, until: AwareDatetime | None, now: NowDep) -> Window:
    return Window.of(as_utc(since) if since else None, as_utc(until) if until else None, now)


@router.get("/durations", response_model=DurationsOut)
def get_durations(
    session: SessionDep,
    now: NowDep,
    _user: ReaderDep,
    since: Since = None,
    until: Until = None,
    group_by: GroupBy = GroupBy.TEAM,
    include_drills: Drills = False,
) -> DurationsOut:
    window = _window(since, until, now)
    return DurationsOut.of(
        durations.report(session, window, group_by, include_drills=include_drills)
    )


@router.get("/load", response_model=LoadReportOut)
def get_load(
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    _user: ReaderDep,
    since: Since = None,
    until: Until = None,
    include_drills: Drills = False,
) -> LoadReportOut:
    window = _window(since, until, now)
    return LoadReportOut.of(load.report(session, config, window, include_drills=include_drills))


@router.get("/detection", response_model=DetectionOut)
def get_detection(
    session: SessionDep,
    now: NowDep,
    _user: ReaderDep,
    since: Since = None,
    until: Until = None,
    include_drills: Drills = False,
) -> DetectionOut:
    window = _window(since, until, now)
    return DetectionOut.of(detection.report(session, window, include_drills=include_drills))


@router.get("/noise", response_model=NoiseOut)
def get_noise(
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    _user: ReaderDep,
    since: Since = None,
    until: Until = None,
    include_drills: Drills = False,
) -> NoiseOut:
    window = _window(since, until, now)
    return NoiseOut.of(noise.report(session, config, window, include_drills=include_drills))


@router.get("/oncall", response_model=OncallOut)
def get_oncall(
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    _user: ReaderDep,
    since: Since = None,
    until: Until = None,
    include_drills: Drills = False,
) -> OncallOut:
    window = _window(since, until, now)
    return OncallOut.of(oncall.report(session, config, window, include_drills=include_drills))


@router.get("/actions", response_model=FollowThroughOut)
def get_action_follow_through(
    session: SessionDep, now: NowDep, _user: ReaderDep, since: Since = None, until: Until = None
) -> FollowThroughOut:
    """Action items created in the window, per team: done, cancelled, open, overdue (today),
    the completion rate and the overdue items, the most late first."""
    window = _window(since, until, now)
    return FollowThroughOut.of(follow_through.report(session, window, now.date()))
