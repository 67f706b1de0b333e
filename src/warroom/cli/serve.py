"""``warroom serve``: migrate, make sure someone can log in, and serve."""

from __future__ import annotations

import contextlib
import dataclasses
import secrets
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Annotated

import structlog
import typer
import uvicorn
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from warroom.app import create_app
from warroom.auth import service as auth_service
from warroom.auth import web_sessions
from warroom.auth.models import UserRole
from warroom.cli.output import console, fail
from warroom.cli.worker_process import WorkerProcess, can_run_apart
from warroom.clock import utcnow
from warroom.config import ConfigError, LiveConfig, summary
from warroom.db.checkpoint import checkpoint_in_background
from warroom.db.engine import make_engine, make_session_factory
from warroom.db.migrate import SchemaBehind, SchemaNewerThanCode, require_current, upgrade
from warroom.gc_tuning import tune_for_serving
from warroom.ingest.writer import SWITCH_INTERVAL_SECONDS
from warroom.jobs.doorbell import READY, Doorbell
from warroom.jobs.worker import Worker
from warroom.observability.logging import configure
from warroom.settings import Settings

log = structlog.get_logger("warroom.serve")
GRACEFUL_SHUTDOWN_SECONDS = 10
SHUTDOWN_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def bootstrap_admin(session_factory: sessionmaker[Session]) -> tuple[str, str] | None:
    """On first start (no users at all) create ``admin`` and return its API token and web
    password, once."""
    with session_factory() as session:
        if auth_service.count_users(session) > 0:
            return None
        now = utcnow()
        try:
            user = auth_service.create_user(
                session, "admin", UserRole.ADMIN, now, display_name="Administrator"
            )
            _token, secret = auth_service.create_token(session, user, "first start", now)
            password = secrets.token_urlsafe(12)
            web_sessions.set_password(session, user, password, now)
            session.commit()
        except IntegrityError:  # another process bootstrapped at the same moment
            return None
        return secret, password


def prepare_schema(engine: Engine, migrate: bool) -> None:
    """Upgrades the schema with ``migrate``; otherwise refuses a database that is not at the
    code's revision (``SchemaBehind``, ``SchemaNewerThanCode``)."""
    if migrate:
        upgrade(engine)
    else:
        require_current(engine)


def install_reload_on_sighup(live: LiveConfig) -> None:
    """``SIGHUP`` reloads the config."""

    def reload() -> None:
        try:
            live.reload()
            log.info("config_reloaded", generation=live.generation, summary=summary(live.current))
        except ConfigError as exc:
            log.error("config_reload_refused", errors=[str(i) for i in exc.issues])

    def on_hup(_signum: int, _frame: FrameType | None) -> None:
        threading.Thread(target=reload, name="config-reload", daemon=True).start()

    signal.signal(signal.SIGHUP, on_hup)


class GracefulServer(uvicorn.Server):
    """uvicorn, but SIGTERM/SIGINT end in a clean exit 0 after in-flight requests finish
    (uvicorn itself re-raises the signal after shutting down)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in SHUTDOWN_SIGNALS}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def serve(
    config: Annotated[
        Path | None,
        typer.Option("--config", envvar="WARROOM_CONFIG", help="Config YAML file or folder."),
    ] = None,
    host: Annotated[str | None, typer.Option(help="Listen address (WARROOM_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Listen port (WARROOM_PORT).")] = None,
    database_url: Annotated[
        str | None, typer.Option("--database-url", envvar="WARROOM_DATABASE_URL")
    ] = None,
    migrate: Annotated[
        bool,
        typer.Option(
            "--migrate/--no-migrate",
            help="Upgrade the schema first; without it, a pending migration stops the start.",
        ),
    ] = False,
    run_worker: Annotated[
        bool,
        typer.Option("--worker/--no-worker", help="Run the worker (pipeline, jobs, outbox) too."),
    ] = True,
    worker_process: Annotated[
        bool,
        typer.Option(
            "--worker-process/--worker-thread",
            help="Run the pipeline and the jobs in a worker process of their own (default; "
            "not possible with an in-memory SQLite database) or on a thread of this one.",
        ),
    ] = True,
) -> None:
    """Serve the API and run the worker (in a worker process it starts and stops)."""
    settings = Settings.from_env()
    settings = dataclasses.replace(
        settings,
        config_path=config or settings.config_path,
        host=host or settings.host,
        port=port or settings.port,
        database_url=database_url or settings.database_url,
    )
    configure(settings.log_level)
    try:
        live = LiveConfig(settings.config_path)
    except ConfigError as exc:
        fail(f"the config is invalid:\n{exc}")
    engine = make_engine(settings.database_url)
    try:
        prepare_schema(engine, migrate)
        secret = bootstrap_admin(make_session_factory(engine))
    except (SchemaBehind, SchemaNewerThanCode) as exc:
        engine.dispose()
        fail(str(exc))
    except OperationalError as exc:
        fail(f"cannot use the database {engine.url!r}: {exc.orig}")
    url = f"http://{settings.host}:{settings.port}"
    if secret:
        token, password = secret
        console.print(
            "Created the first user [bold]admin[/]. API token (shown once, keep it):\n"
            f"  export WARROOM_URL={url}\n  export WARROOM_TOKEN={token}\n"
            f"Sign in at {url}/login as admin with the password {password}\n"
            "  (shown once; change it with: warroom users set-password admin)",
            highlight=False,
            soft_wrap=True,
        )
    log.info("starting", url=url, config=str(settings.config_path), summary=summary(live.current))
    checkpointer = checkpoint_in_background(engine)
    apart = run_worker and worker_process and can_run_apart(settings.database_url)
    app = create_app(settings, live, engine=engine, run_worker=run_worker and not apart)
    child: WorkerProcess | None = None
    background: Worker = app.state.worker
    if apart:
        # What stays here (the loop, the ingest writer, the outbox's sends) mostly waits on
        # sockets and the database: a thread woken by its socket gets the GIL within 0.5 ms
        # instead of 5 (an SMTP conversation is several such wakes).
        sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
        background.start(pipeline=False)  # the outbox; the rest runs in the child
        child = WorkerProcess(settings, background)
        child.start()
        # A reload that took (SIGHUP or the API's) is passed on: the child reloads the file.
        live.on_reload(lambda _config: child.reload())
    install_reload_on_sighup(live)
    server = GracefulServer(
        uvicorn.Config(
            app,
            host=settings.host,
            port=settings.port,
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        )
    )
    tune_for_serving()
    try:
        server.run()  # exits the process itself if it cannot listen (port taken)
    finally:
        if child is not None:
            child.stop()
            background.stop()
        if checkpointer is not None:
            checkpointer.stop()
        engine.dispose()
    log.info("stopped")


def worker(
    config: Annotated[
        Path | None,
        typer.Option("--config", envvar="WARROOM_CONFIG", help="Config YAML file or folder."),
    ] = None,
    database_url: Annotated[
        str | None, typer.Option("--database-url", envvar="WARROOM_DATABASE_URL")
    ] = None,
    doorbell_fd: Annotated[
        int | None,
        typer.Option(
            "--doorbell-fd", hidden=True, help="Set by warroom serve for its worker process."
        ),
    ] = None,
    migrate: Annotated[
        bool,
        typer.Option(
            "--migrate/--no-migrate",
            help="Upgrade the schema first; without it, a pending migration stops the start.",
        ),
    ] = False,
) -> None:
    """Run only the worker (signal pipeline, timers, outbox); several may share a database."""
    settings = Settings.from_env()
    settings = dataclasses.replace(
        settings,
        config_path=config or settings.config_path,
        database_url=database_url or settings.database_url,
    )
    configure(settings.log_level)
    try:
        live = LiveConfig(settings.config_path)
    except ConfigError as exc:
        fail(f"the config is invalid:\n{exc}")
    engine = make_engine(settings.database_url)
    try:
        if doorbell_fd is None:  # serve checked the schema before starting its worker
            prepare_schema(engine, migrate)
    except (SchemaBehind, SchemaNewerThanCode) as exc:
        engine.dispose()
        fail(str(exc))
    except OperationalError as exc:
        fail(f"cannot use the database {engine.url!r}: {exc.orig}")
    # A worker process of warroom serve leaves the checkpoints and the outbox to serve.
    checkpointer = checkpoint_in_background(engine, here=doorbell_fd is None)
    app = create_app(settings, live, engine=engine)
    background: Worker = app.state.worker
    install_reload_on_sighup(live)
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    for sig in SHUTDOWN_SIGNALS:
        # The worker process of serve stops when serve hangs up, not on a SIGTERM sent to
        # every process of the service (systemd does): serve would start a new one meanwhile.
        signal.signal(sig, on_signal if doorbell_fd is None else signal.SIG_IGN)
    tune_for_serving()
    doorbell = Doorbell.from_fd(doorbell_fd) if doorbell_fd is not None else None
    if doorbell is not None:
        # Serve going away (even killed) hangs up the doorbell: the worker stops with it.
        background.connect(doorbell, on_hangup=stop.set)
    background.start(outbox=doorbell is None)
    if doorbell is not None:
        doorbell.ring(READY)
    log.info("worker_running", config=str(settings.config_path))
    stop.wait()
    background.stop()
    if checkpointer is not None:
        checkpointer.stop()
    engine.dispose()
    log.info("stopped")
