"""What every tracker contract server shares: a real HTTP server on loopback, issues kept
in memory, every request recorded, and failures on demand (a rate-limit answer, a server
error, a validation error) so tests can drive the sender's retry decisions."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    raw: bytes = b""


@dataclass
class Answer:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class ContractServer:
    """Subclasses implement ``route(call) -> Answer`` and ``authorized(call)``."""

    def __init__(self) -> None:
        self.issues: dict[str, dict[str, Any]] = {}
        self.calls: list[Call] = []
        self.lock = threading.Lock()
        self.queued: list[Answer] = []
        """Answers given, in order, to the next requests instead of the real ones."""
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def fail_next(self, *answers: Answer) -> None:
        with self.lock:
            self.queued.extend(answers)

    def writes(self) -> list[Call]:
        return [call for call in self.calls if call.method != "GET"]

    def route(self, call: Call) -> Answer:
        raise NotImplementedError

    def authorized(self, call: Call) -> bool:
        raise NotImplementedError

    def unauthorized(self) -> Answer:
        return Answer(401, {"message": "Bad credentials"})

    def handle(self, call: Call) -> Answer:
        with self.lock:
            self.calls.append(call)
            if self.queued:
                return self.queued.pop(0)
            if not self.authorized(call):
                return self.unauthorized()
            return self.route(call)

    def __enter__(self) -> Self:
        server_self = self

        class Handler(BaseHTTPRequestHandler):
            def _any(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw.decode(errors="replace")
                call = Call(
                    self.command,
                    parts.path,
                    {k: v[-1] for k, v in parse_qs(parts.query).items()},
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                    raw,
                )
                answer = server_self.handle(call)
                data = b"" if answer.body is None else json.dumps(answer.body).encode()
                self.send_response(answer.status)
                if data:
                    self.send_header("Content-Type", "application/json")
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._any()

            def do_POST(self) -> None:
                self._any()

            def do_PUT(self) -> None:
                self._any()

            def do_PATCH(self) -> None:
                self._any()

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def running(server: ContractServer) -> Iterator[ContractServer]:
    with server:
        yield server
