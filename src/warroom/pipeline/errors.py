"""The error pipeline after Sentry intake, a batch of one project's items at a time:

    claim → events: prepare (normalise, group, describe) → issues (counts, states,
    regressions) → owner of new issues → issue rules → incidents / team notifications;
    attachments and client reports beside them; sessions (release health, crash-free
    rules), check-ins (cron monitors), transactions, logs and feedback (``pipeline.health``)

Each round gives every project with pending items one turn, so a project flooding warroom
delays only itself (as integrations do in the signal pipeline). A batch is one transaction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime

import structlog
from sqlalchemy.orm import Session, sessionmaker

from warroom.config import Config, LiveConfig
from warroom.config.alerting import RuleAction
from warroom.config.projects import Project
from warroom.db.outage import is_unavailable
from warroom.errors import attachments, outcomes
from warroom.errors.escalating import is_escalating
from warroom.errors.events import InvalidItem, PreparedEvent, prepare
from warroom.errors.issues import IssueTouch, record_events, reopen
from warroom.errors.items import ClaimedItem, claim, mark_processed, pending_projects
from warroom.errors.models import IgnoreMode, IssueStatus, IssueSubstatus
from warroom.errors.releases.order import ReleaseOrder
from warroom.errors.releases.suspects import SUSPECT_WINDOW, any_deploy_since, suspect_deploy
from warroom.incidents import from_issues
from warroom.ingest.sentry.models import ItemKind, ItemOutcome
from warroom.notify.issues import tell_team
from warroom.pipeline import health
from warroom.pipeline.rounds import Clock, Turns, fair_round
from warroom.route.issue_owners import issue_owner
from warroom.route.issue_rules import Firing, evaluate

log = structlog.get_logger("warroom.pipeline.errors")
BATCH_SIZE = 500
SHARED_BATCH_SIZE = 20
"""While several projects have pending items, each turn is one batch of at most this many."""
BATCH_PER_PROJECT = 2000
BATCH_SECONDS = 0.05
HANDLED = (
    ItemKind.EVENT,
    ItemKind.ATTACHMENT,
    ItemKind.CLIENT_REPORT,
    ItemKind.SESSION,
    ItemKind.SESSIONS,
    ItemKind.CHECK_IN,
    ItemKind.TRANSACTION,
    ItemKind.LOG,
    ItemKind.USER_REPORT,
    ItemKind.FEEDBACK,
)
"""The item kinds this pipeline takes; others wait for theirs."""
Handler = Callable[[Session, Config, Project, list[ClaimedItem], datetime], None]


def _issue_info(project: Project, touch: IssueTouch) -> dict[str, object]:
    issue = touch.issue
    return {
        "id": issue.id,
        "short_id": from_issues.short_id(project, issue),
        "project": project.slug,
        "title": issue.title,
        "culprit": issue.culprit,
        "events": issue.times_seen,
        "users": issue.users_seen,
        "first_seen": issue.first_seen.isoformat(),
        "status": issue.status.value,
    }


def _own(config: Config, project: Project, touches: Sequence[IssueTouch]) -> None:
    for touch in touches:
        if touch.new:
            routing = issue_owner(config, project, touch.events[0].event)
            touch.issue.team = routing.team
            touch.issue.routed_by = routing.explanation()


def _escalations(session: Session, touches: Sequence[IssueTouch], now: datetime) -> None:
    """Issues ignored until escalating come back when they escalate; unresolved ones are
    marked escalating."""
    for touch in touches:
        issue = touch.issue
        watched = issue.status is IssueStatus.UNRESOLVED or (
            issue.status is IssueStatus.IGNORED and issue.ignore_mode is IgnoreMode.UNTIL_ESCALATING
        )
        if touch.new or not watched or not is_escalating(session, issue, now):
            continue
        touch.escalated = True
        if issue.status is IssueStatus.IGNORED:
            reopen(issue, IssueSubstatus.ESCALATING)
            touch.unignored = True
        else:
            issue.substatus = IssueSubstatus.ESCALATING


def _suspects(session: Session, project: Project, touches: Sequence[IssueTouch]) -> None:
    """A new issue, or a spike, within the window after a deploy of the project to the
    event's environment names that deploy as the suspect."""
    wanted = [t for t in touches if t.new or t.escalated]
    if not wanted:
        return
    earliest = min(t.events[0].received_at for t in wanted)
    if not any_deploy_since(session, project.id, earliest - SUSPECT_WINDOW):
        return  # one query for the batch: no recent deploy, no suspect
    for touch in wanted:
        if not (touch.new or touch.escalated):
            continue
        first = touch.events[0] if touch.new else touch.latest
        deploy = suspect_deploy(
            session, project.id, first.environment, first.release, first.received_at
        )
        if deploy is not None:
            touch.issue.suspect_deploy_id = deploy.id


def _carry_out(
    session: Session, config: Config, project: Project, firings: Sequence[Firing], now: datetime
) -> None:
    for firing in firings:
        issue, rule = firing.touch.issue, firing.rule
        if rule.action is RuleAction.NOTIFY:
            key = f"issue:{issue.id}:{rule.name}:{now.isoformat()}"
            tell_team(
                session,
                config,
                issue.team or project.team,
                _issue_info(project, firing.touch),
                f"rule {rule.name}: {firing.reason}",
                key,
                now,
            )
            continue
        incident = from_issues.act(session, config, project, issue, rule, firing.reason, now)
        if incident is not None:
            from_issues.record_issue_suspect(session, project, issue, incident, now)


def handle_events(
    session: Session, config: Config, project: Project, items: list[ClaimedItem], now: datetime
) -> None:
    prepared: list[PreparedEvent] = []
    for item in items:
        try:
            prepared.append(prepare(item, project.platform))
        except InvalidItem as exc:
            item.decided(ItemOutcome.INVALID, str(exc))
    order = ReleaseOrder(session, project.id)
    touches = record_events(session, project.id, prepared, order.newer, now)
    _own(config, project, touches)
    _escalations(session, touches, now)
    _suspects(session, project, touches)
    session.flush()
    _carry_out(session, config, project, evaluate(session, config, project.slug, touches, now), now)


def handle_attachments(
    session: Session, config: Config, project: Project, items: list[ClaimedItem], now: datetime
) -> None:
    attachments.store(session, project.id, items)


HANDLERS: dict[ItemKind, Handler] = {
    ItemKind.EVENT: handle_events,
    ItemKind.ATTACHMENT: handle_attachments,
    ItemKind.SESSION: health.handle_sessions,
    ItemKind.SESSIONS: health.handle_sessions,
    ItemKind.CHECK_IN: health.handle_check_ins,
    ItemKind.TRANSACTION: health.handle_transactions,
    ItemKind.LOG: health.handle_logs,
    ItemKind.USER_REPORT: health.handle_feedback,
    ItemKind.FEEDBACK: health.handle_feedback,
}


def process_project(
    session: Session,
    config: Config,
    project_id: int,
    now: datetime,
    limit: int = BATCH_SIZE,
    clock: Clock | None = None,
) -> int:
    """One transaction's worth of the project's pending items; the caller commits. ``now``
    is the round's time, which the decisions carry; ``clock`` says when the batch was
    decided (the items' ``processed_at``)."""
    items = claim(session, project_id, HANDLED, limit)
    if not items:
        return 0
    now = max(now, *(item.received_at for item in items))
    project = config.project_by_id(project_id)
    if project is None:
        for item in items:
            item.decided(ItemOutcome.FAILED, f"project {project_id} is no longer configured")
        mark_processed(session, items, now)
        return len(items)
    by_kind: dict[ItemKind, list[ClaimedItem]] = {}
    for item in items:
        by_kind.setdefault(item.kind, []).append(item)
    client: Counter[tuple[str, str]] = Counter()
    for item in by_kind.get(ItemKind.CLIENT_REPORT, []):
        client += outcomes.client_counts(item)
    for kind, handler in HANDLERS.items():
        batch = by_kind.get(kind)
        if not batch:
            continue
        try:
            with session.begin_nested():
                handler(session, config, project, batch, now)
        except Exception as failed:
            if is_unavailable(failed):  # not the batch's fault: rolled back, tried again
                raise
            # A bug must not wedge the queue nor lose the batch: one item at a time, each in
            # a savepoint of its own; only the ones that fail are dropped, with the reason.
            log.warning("error_batch_failed", project=project.slug, kind=kind.value)
            for item in batch:
                item.outcome = item.reason = None
                try:
                    with session.begin_nested():
                        handler(session, config, project, [item], now)
                except Exception as exc:
                    if is_unavailable(exc):
                        raise
                    log.exception("error_item_failed", project=project.slug, item=item.id)
                    reason = f"processing failed: {type(exc).__name__}: {exc}"
                    item.decided(ItemOutcome.FAILED, reason)
    outcomes.record(session, project.id, client, items, now)
    mark_processed(session, items, max(now, clock()) if clock else now)
    return len(items)


def error_stage(
    session_factory: sessionmaker[Session], live_config: LiveConfig, now: datetime
) -> int:
    return process_pending(session_factory, live_config.current, now)


def turns() -> Turns:
    """The turns of a round, from the module's constants as they are now."""
    return Turns(BATCH_SIZE, BATCH_PER_PROJECT, SHARED_BATCH_SIZE, BATCH_SECONDS)


def process_pending(session_factory: sessionmaker[Session], config: Config, now: datetime) -> int:
    """One fair round over every project with pending items; returns how many ran."""
    with session_factory() as session:
        projects = pending_projects(session, HANDLED)

    def run(session: Session, project_id: int, limit: int, clock: Clock) -> int:
        return process_project(session, config, project_id, now, limit, clock)

    return fair_round(session_factory, projects, run, turns(), now)
