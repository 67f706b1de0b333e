"""The port a tracker's webhook reports to: the owner of the subject (action items,
incidents) installs a listener at composition (app.py); tests install their own."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from warroom.learn.trackers.models import SubjectKind


class TrackerListener(Protocol):
    def tracker_state_changed(
        self,
        session: Session,
        *,
        subject_kind: SubjectKind,
        subject_id: int,
        closed: bool,
        tracker: str,
        now: datetime,
    ) -> None:
        """In the webhook's transaction: the tracker issue was closed (or reopened).

        Called for warroom's own writes echoed back too, so it must be idempotent."""


_listeners: list[TrackerListener] = []


def install(listener: TrackerListener) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def uninstall(listener: TrackerListener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def state_changed(
    session: Session,
    *,
    subject_kind: SubjectKind,
    subject_id: int,
    closed: bool,
    tracker: str,
    now: datetime,
) -> None:
    for listener in list(_listeners):
        listener.tracker_state_changed(
            session,
            subject_kind=subject_kind,
            subject_id=subject_id,
            closed=closed,
            tracker=tracker,
            now=now,
        )
