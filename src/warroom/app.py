"""The ASGI application: routers, error handling, middleware and state."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from datetime import datetime, timedelta

from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session, sessionmaker

from warroom import __version__
from warroom.alerts import api as alerts_api
from warroom.alerts import expiry
from warroom.alerts import service as alerts_service
from warroom.api import catalog as catalog_api
from warroom.api import slos as slos_api
from warroom.api import system
from warroom.api.application import WarroomApp, serve_docs
from warroom.auth import api as auth_api
from warroom.auth import audit, audit_api
from warroom.clock import utcnow
from warroom.config import LiveConfig
from warroom.db.engine import make_engine, make_session_factory
from warroom.detect import cron_monitors, heartbeat
from warroom.detect.forecast.evaluator import ForecastEvaluator
from warroom.detect.metrics import api as metrics_api
from warroom.detect.metrics.retention import MetricRetention
from warroom.detect.monitors import api as monitors_api
from warroom.detect.monitors import feedback as monitor_feedback
from warroom.detect.monitors.stage import MonitorRunner
from warroom.detect.queue_monitors import QueueMonitors
from warroom.detect.slo.evaluator import SloEvaluator
from warroom.detect.stores import ConfiguredStore
from warroom.errors import api as errors_api
from warroom.errors import health_api
from warroom.errors.releases import api as releases_api
from warroom.errors.releases import changes as release_changes
from warroom.errors.releases import sentry_cli_api
from warroom.errors.retention import ErrorPruner
from warroom.escalation import api as escalation_api
from warroom.escalation import events as escalation_events
from warroom.escalation import messenger as escalation_messenger
from warroom.escalation import paging as oncall_paging
from warroom.escalation import reminders as oncall_reminders
from warroom.escalation import service as escalation
from warroom.escalation import steps as escalation_jobs
from warroom.http import errors
from warroom.incidents import api as incidents_api
from warroom.incidents import close_gate, events, issues_api
from warroom.incidents.metrics import IncidentCollector
from warroom.ingest import alertmanager_api, changes, heartbeat_api, pagerduty_api, webhook_api
from warroom.ingest.fastpath import IngestDispatcher
from warroom.ingest.http import Ingestor
from warroom.ingest.sentry.endpoint import SentryEndpoint
from warroom.ingest.writer import SignalWriter
from warroom.jobs.queue import JobHandler
from warroom.jobs.worker import Worker
from warroom.learn.actions import api as action_items_api
from warroom.learn.actions import reminders as action_reminders
from warroom.learn.actions import tracking as action_item_tracking
from warroom.learn.drills import api as drills_api
from warroom.learn.drills import listener as drill_listener
from warroom.learn.drills import service as drills
from warroom.learn.drills.schedule import DrillScheduler
from warroom.learn.insights import api as insights_api
from warroom.learn.insights import noise
from warroom.learn.postmortems import api as postmortems_api
from warroom.learn.postmortems import gate as postmortem_gate
from warroom.learn.postmortems import listener as postmortem_listener
from warroom.learn.postmortems import reminders as postmortem_reminders
from warroom.learn.trackers import api as trackers_api
from warroom.learn.trackers import incidents as tracker_incidents
from warroom.learn.trackers.sender import TrackerSender
from warroom.notify import actions_api, broadcast, deliveries_api, outbox
from warroom.notify.channels import ChannelSender, default_senders
from warroom.notify.channels.slack import api as slack_api
from warroom.notify.channels.slack import channels as slack_channels
from warroom.notify.delivery_worker import OutboxSender
from warroom.notify.models import Channel
from warroom.notify.pages import OutboxMessenger
from warroom.observability.metrics import Metrics
from warroom.observability.middleware import RequestMiddleware
from warroom.pipeline import timers as pipeline_timers
from warroom.pipeline.errors import error_stage
from warroom.pipeline.retention import Pruner
from warroom.pipeline.signals import signal_stage
from warroom.schedules import api as schedules_api
from warroom.schedules import calendars as oncall_calendars
from warroom.settings import Settings
from warroom.statuspage import emails as status_emails
from warroom.web import mount as web

INGEST_PREFIXES = ("/ingest/", "/v2/", "/api/v2/")
"""Ingest endpoints bound their bodies themselves (each protocol has its own limit)."""

INCIDENT_LISTENERS: list[events.Listener] = [
    escalation_events.on_incident_event,
    oncall_reminders.on_incident_event,
    slack_channels.on_incident_event,
    broadcast.on_incident_event,
    status_emails.on_incident_event,
    postmortem_listener.on_incident_event,
    tracker_incidents.on_incident_event,
    drill_listener.on_incident_event,
]
"""Stages after the incident (escalation, notifications, chat), in the order they react."""

JOB_HANDLERS: dict[str, JobHandler] = {
    events.INCIDENT_EVENT_JOB: events.dispatcher(INCIDENT_LISTENERS),
    escalation.ESCALATION_STEP_JOB: escalation_jobs.escalation_step,
    escalation.ACK_TIMEOUT_JOB: escalation_jobs.ack_timeout,
    oncall_paging.PAGE_CONTACT_JOB: oncall_paging.page_contact,
    oncall_reminders.REMINDER_JOB: oncall_reminders.update_reminder,
    pipeline_timers.FIRING_FOR_JOB: pipeline_timers.alert_rule_check,
    pipeline_timers.MUTE_RECHECK_JOB: pipeline_timers.mute_recheck,
    expiry.EXPIRY_JOB: expiry.alert_expiry,
    heartbeat.CHECK_JOB: heartbeat.heartbeat_check,
    cron_monitors.CHECK_JOB: cron_monitors.monitor_check,
    action_reminders.DUE_JOB: action_reminders.due_reminder,
    action_reminders.OVERDUE_JOB: action_reminders.overdue_reminder,
    drills.TIMEOUT_JOB: drills.drill_timeout,
    postmortem_reminders.DUE_JOB: postmortem_reminders.due_reminder,
    postmortem_reminders.OVERDUE_JOB: postmortem_reminders.overdue_reminder,
}


def wire() -> None:
    """Install the implementations of the ports lower layers own (escalation pages through
    notify's outbox). Idempotent; ``create_app`` and ``build_worker`` call it."""
    escalation_messenger.install(OutboxMessenger())
    changes.install(release_changes.on_service_change)
    close_gate.install(postmortem_gate.PostmortemGate())
    if monitor_feedback.not_useful_counts not in noise.NOT_USEFUL_COUNTERS:
        noise.NOT_USEFUL_COUNTERS.append(monitor_feedback.not_useful_counts)


def outbox_senders(session_factory: sessionmaker[Session]) -> dict[object, ChannelSender]:
    """notify's own senders plus those of the layers above it (notify never imports them)."""
    senders: dict[object, ChannelSender] = {}
    senders.update(default_senders().items())
    senders[Channel.TRACKER] = TrackerSender(session_factory)
    return senders


def build_worker(
    settings: Settings,
    live_config: LiveConfig,
    session_factory: sessionmaker[Session],
    clock: Callable[[], datetime],
    metrics: Metrics,
) -> Worker:
    """The pipeline, timers and housekeeping on one thread; the outbox on its own."""
    wire()
    store = ConfiguredStore(session_factory)
    return Worker(
        session_factory,
        live_config,
        clock,
        JOB_HANDLERS,
        [
            signal_stage,
            error_stage,
            heartbeat.HeartbeatReconciler(),
            SloEvaluator(store),
            ForecastEvaluator(store),
            QueueMonitors(store),
            MonitorRunner(settings.public_url),
            MetricRetention(),
            Pruner(),
            ErrorPruner(),
            oncall_calendars.CalendarRefresher(),
            action_reminders.DigestSender(),
        ],
        own_thread=[
            OutboxSender(
                settings,
                clock,
                senders=outbox_senders(session_factory),
                lease=timedelta(seconds=settings.delivery_lease_seconds),
                outcomes=metrics.deliveries,
            ),
        ],
    )


def _metrics(session_factory: sessionmaker[Session], live_config: LiveConfig) -> Metrics:
    metrics = Metrics()
    metrics.registry.register(IncidentCollector(session_factory))
    metrics.config_generation.set(live_config.generation)
    return metrics


def create_app(
    settings: Settings,
    live_config: LiveConfig,
    *,
    engine: Engine | None = None,
    clock: Callable[[], datetime] = utcnow,
    run_worker: bool = False,
) -> FastAPI:
    """The app; with ``run_worker`` a worker thread runs beside it (``warroom serve``).
    Without, tests drive ``app.state.worker`` by hand."""
    owns_engine = engine is None
    worker: Worker | None = None
    engine = engine or make_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if run_worker and worker is not None:
            worker.start()
        scheduled_drills = asyncio.create_task(
            DrillScheduler(drills_api.runner_of(app), session_factory).loop()
        )
        yield
        scheduled_drills.cancel()
        with suppress(asyncio.CancelledError):
            await scheduled_drills
        web.stop(app)
        await asyncio.to_thread(app.state.ingestor.writer.close)
        await asyncio.to_thread(app.state.sentry.writer.close)
        if run_worker and worker is not None:
            worker.stop()
        if owns_engine:
            engine.dispose()

    app = WarroomApp(
        title="warroom",
        version=__version__,
        description="Incident management: from the first alert to the last action item.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    serve_docs(app, "/api/docs", "/api/static")
    session_factory = make_session_factory(engine)
    audit.install(session_factory, clock)
    metrics = _metrics(session_factory, live_config)
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = session_factory
    app.state.live_config = live_config
    app.state.clock = clock
    app.state.metrics = metrics
    app.state.metric_store = ConfiguredStore(session_factory)
    worker = build_worker(settings, live_config, session_factory, clock, metrics)
    action_item_tracking.install(live_config)
    app.state.worker = worker

    @sa_event.listens_for(session_factory, "after_commit")
    def _wake_worker_for_due_jobs(session: Session) -> None:
        if session.info.pop(events.WAKE_WORKER, False):
            worker.wake()
        if session.info.pop(outbox.WAKE_OUTBOX, False):
            worker.wake_own_threads()

    writer = SignalWriter(engine)
    app.state.ingestor = Ingestor(
        session_factory, writer, metrics, clock, worker.wake, open_alert=alerts_service.is_open
    )
    errors.install(app)
    # Ingest routes are declared for the OpenAPI document; requests reach them through
    # the dispatcher (see warroom.ingest.fastpath), not FastAPI's router.
    for router in (
        alertmanager_api.router,
        pagerduty_api.router,
        webhook_api.router,
        heartbeat_api.router,
        metrics_api.router,
        monitors_api.router,
        system.router,
        incidents_api.router,
        catalog_api.router,
        auth_api.router,
        audit_api.router,
        alerts_api.router,
        schedules_api.router,
        schedules_api.feeds,
        escalation_api.router,
        slack_api.router,
        trackers_api.router,
        deliveries_api.router,
        actions_api.router,
        errors_api.router,
        health_api.router,
        issues_api.router,
        releases_api.router,
        sentry_cli_api.router,
        postmortems_api.router,
        action_items_api.router,
        insights_api.router,
        drills_api.router,
        slos_api.router,
    ):
        app.include_router(router)
    web.install(app, session_factory)
    ingest_routers = [
        alertmanager_api.router,
        pagerduty_api.router,
        webhook_api.router,
        heartbeat_api.router,
    ]
    app.add_middleware(
        RequestMiddleware,
        metrics=metrics,
        max_body_bytes=settings.max_body_bytes,
        own_limit_prefixes=INGEST_PREFIXES,
    )
    app.ingest = IngestDispatcher(
        metrics, ingest_routers, INGEST_PREFIXES, max_body_bytes=settings.max_body_bytes
    )
    app.state.sentry = SentryEndpoint(
        engine, lambda: live_config.current, metrics, clock, worker.wake
    )
    app.ingest.sentry = app.state.sentry
    return app
