"""A real warroom HTTP server (uvicorn on loopback, in a thread) and a CLI runner for it."""

from __future__ import annotations

import io
import re
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import structlog
import uvicorn
from click.testing import Result
from fastapi import FastAPI
from sqlalchemy import Engine
from typer.testing import CliRunner

from tests.support.clock import FakeClock
from warroom.app import create_app
from warroom.auth import service as auth_service
from warroom.auth.models import UserRole
from warroom.cli.main import app as cli_app
from warroom.cli.output import console
from warroom.config import LiveConfig
from warroom.db.engine import make_session_factory
from warroom.settings import Settings

TEST_CONFIG = Path(__file__).parents[1] / "fixtures" / "warroom.yaml"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
STARTUP_SECONDS = 10


@dataclass
class LiveServer:
    url: str
    engine: Engine
    clock: FakeClock
    admin_token: str
    log: io.StringIO
    app: FastAPI

    def user(self, username: str, role: UserRole = UserRole.RESPONDER) -> str:
        """Create a user and return an API token for it."""
        with make_session_factory(self.engine)() as session:
            user = auth_service.create_user(session, username, role, self.clock())
            _row, secret = auth_service.create_token(session, user, "test", self.clock())
            session.commit()
        return secret


@dataclass
class Cli:
    """Runs ``warroom incident …`` in-process against one server, as one token's owner."""

    url: str
    token: str | None

    def __call__(self, *args: str, env: dict[str, str | None] | None = None) -> Result:
        environment: dict[str, str | None] = {
            "WARROOM_URL": self.url,
            "WARROOM_TOKEN": self.token,
            "WARROOM_TIMEOUT": None,
        }
        environment.update(env or {})
        with wide_console():
            return CliRunner().invoke(cli_app, ["incident", *args], env=environment)

    def ok(self, *args: str) -> str:
        result = self(*args)
        assert result.exit_code == 0, (args, result.exit_code, result.output, result.exception)
        assert result.exception is None, result.exception
        return plain(result.stdout)

    def json(self, *args: str) -> Any:
        return orjson.loads(self.ok(*args, "--json"))

    def as_user(self, token: str | None) -> Cli:
        return Cli(self.url, token)


@contextmanager
def console_width(width: int) -> Iterator[None]:
    """The terminal is ``width`` columns wide. The console fixed its width at import if
    COLUMNS was set (pytest-xdist workers set COLUMNS=80), so the env var alone is not
    enough."""
    saved = console._width
    console.width = width
    try:
        yield
    finally:
        console._width = saved


@contextmanager
def wide_console(width: int = 200) -> Iterator[None]:
    """Tables with every column whole, one row per line."""
    with console_width(width):
        yield


def plain(text: str) -> str:
    return ANSI.sub("", text)


def error_line(result: Result) -> str:
    """The one line a failing command printed on stderr (and nothing on stdout)."""
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    lines = [line for line in plain(result.stderr).splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: "), lines
    assert result.stdout == ""
    return lines[0]


def loopback_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextmanager
def server_logs_to(sink: io.StringIO) -> Iterator[None]:
    """Keep the server's structlog lines out of stdout, which the CLI runner captures."""
    saved = structlog.get_config()
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(file=sink))
    try:
        yield
    finally:
        structlog.configure(**saved)


@contextmanager
def live_server(
    engine: Engine, clock: FakeClock | None = None, config_path: Path = TEST_CONFIG
) -> Iterator[LiveServer]:
    """The real app under uvicorn on a free loopback port, with an admin and its token."""
    clock = clock or FakeClock()
    with make_session_factory(engine)() as session:
        admin = auth_service.create_user(session, "admin", UserRole.ADMIN, clock())
        _row, token = auth_service.create_token(session, admin, "test", clock())
        session.commit()
    app = create_app(Settings(), LiveConfig(config_path), engine=engine, clock=clock)
    sock = loopback_socket()
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    )
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="warroom-test-server", daemon=True
    )
    log = io.StringIO()
    with server_logs_to(log), sock:
        thread.start()
        deadline = time.monotonic() + STARTUP_SECONDS
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the test server did not start: {log.getvalue()}")
            time.sleep(0.01)
        try:
            yield LiveServer(f"http://127.0.0.1:{port}", engine, clock, token, log, app)
        finally:
            server.should_exit = True
            thread.join(STARTUP_SECONDS)


def cli_for(server: LiveServer) -> Cli:
    return Cli(server.url, server.admin_token)


def closed_port_url() -> str:
    """A loopback URL where nothing listens (the port was free a moment ago)."""
    sock = loopback_socket()
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}"


def lines_with(output: str, *needles: str) -> Sequence[str]:
    return [line for line in output.splitlines() if all(n in line for n in needles)]
