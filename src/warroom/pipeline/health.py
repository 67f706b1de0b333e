"""The error pipeline's handlers for what SDKs send besides errors: sessions (release
health, then the crash-free rules), check-ins (cron monitors), transactions, logs and user
feedback. Each is a ``pipeline.errors.Handler``; ``pipeline.errors.HANDLERS`` lists them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from warroom.config import Config
from warroom.config.projects import Project
from warroom.errors import checkins, feedback, logs, sessions, transactions
from warroom.errors.items import ClaimedItem
from warroom.incidents.from_health import CrashFreeDrop, act_on_drop
from warroom.route.health_rules import evaluate_health


def handle_sessions(
    session: Session, config: Config, project: Project, items: list[ClaimedItem], now: datetime
) -> None:
    touched = sessions.record(session, project.id, items)
    session.flush()
    for firing in evaluate_health(session, config, project, touched, now):
        assert firing.condition.threshold is not None
        drop = CrashFreeDrop(
            release=firing.key.release,
            environment=firing.key.environment,
            rate=firing.rate,
            threshold=firing.condition.threshold,
            sessions=firing.sessions,
            crashed=firing.crashed,
            since=firing.since,
        )
        act_on_drop(session, config, project, firing.rule, drop, now)


def handle_check_ins(
    session: Session, config: Config, project: Project, items: list[ClaimedItem], now: datetime
) -> None:
    checkins.record(session, project, items, now)


def handle_transactions(
    session: Session, config: Config, project: Project, items: list[ClaimedItem], now: datetime
) -> None:
    transactions.record(session, project.id, items)


def handle_logs(
    session: Session, config: Config, project: Project, items: list[ClaimedItem], now: datetime
) -> None:
    logs.record(session, project.id, items)


def handle_feedback(
    session: Session, config: Config, project: Project, items: list[ClaimedItem], now: datetime
) -> None:
    feedback.record(session, project.id, items)
