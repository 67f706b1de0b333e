"""Real receivers on loopback for notification tests: an SMTP server (aiosmtpd; optionally with
STARTTLS, implicit TLS and AUTH) and an HTTP server, both recording what they receive and both
able to go down and come back on the same port (an outage), or, for HTTP, to answer with an
error status."""

from __future__ import annotations

import email
import email.policy
import http.server
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class ReceivedMail:
    envelope_from: str
    recipients: list[str]
    message: EmailMessage
    received_at: float
    """time.time() when the server accepted the message."""
    tls_version: str | None = None
    """The TLS version of the connection the message came over ('TLSv1.3'); None: plain."""

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    def part(self, subtype: str) -> str:
        body = self.message.get_body(preferencelist=(subtype,))
        assert body is not None, f"no text/{subtype} part"
        content: str = body.get_content()
        return content


class _Recorder:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_MAIL(  # noqa: N802 - the name aiosmtpd calls
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        if self.sink.login is not None and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 - the name aiosmtpd calls
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        if self.sink.reject_with is not None:
            return self.sink.reject_with
        raw = envelope.original_content or envelope.content
        assert isinstance(raw, bytes)
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        tls = server.transport.get_extra_info("ssl_object") if server.transport else None
        with self.sink.lock:
            self.sink.messages.append(
                ReceivedMail(
                    str(envelope.mail_from),
                    [str(r) for r in envelope.rcpt_tos],
                    message,
                    time.time(),
                    tls.version() if isinstance(tls, ssl.SSLObject) else None,
                )
            )
        return "250 OK"


class SmtpSink:
    """``with SmtpSink() as smtp:`` a real SMTP server on 127.0.0.1:``smtp.port``."""

    def __init__(
        self,
        port: int | None = None,
        login: tuple[str, str] | None = None,
        *,
        starttls: ssl.SSLContext | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        """``login=(username, password)``: the server then requires AUTH (PLAIN or LOGIN)
        before it accepts mail; on a plain connection AUTH is allowed without TLS (loopback),
        with ``starttls`` only after STARTTLS.

        ``starttls=context`` (a server-side context, see tests/support/tls.py): the server
        offers STARTTLS and requires it before MAIL. ``tls=context``: implicit TLS, the
        connection is TLS from the first byte (port 465 style). Neither: plain SMTP."""
        assert not (starttls and tls), "STARTTLS or implicit TLS, not both"
        self.port = port or free_port()
        self.login = login
        self.starttls = starttls
        self.tls = tls
        self.messages: list[ReceivedMail] = []
        self.lock = threading.Lock()
        self.reject_with: str | None = None
        """An SMTP reply such as '451 try later' or '550 no such user' for every message."""
        self.logins: list[str] = []
        """Usernames that logged in successfully."""
        self.login_attempts: list[tuple[str, str]] = []
        """Every (username, password) given to AUTH, accepted or not."""
        self._controller: Controller | None = None

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        if self.login is None or not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        given = (data.login.decode(), data.password.decode())
        with self.lock:
            self.login_attempts.append(given)
        if given != self.login:
            return AuthResult(success=False, handled=False)
        with self.lock:
            self.logins.append(given[0])
        return AuthResult(success=True)

    def start(self) -> SmtpSink:
        options: dict[str, Any] = {}
        if self.login is not None:
            # "Login first" is enforced in _Recorder.handle_MAIL (aiosmtpd's own auth_required
            # warns when TLS is not required too). AUTH needs TLS only with STARTTLS: on a
            # plain connection it is allowed on loopback, and aiosmtpd 1.4 does not count
            # implicit TLS as TLS (it would refuse AUTH with 538 on an encrypted connection).
            options = {
                "authenticator": self._authenticate,
                "auth_require_tls": self.starttls is not None,
            }
        if self.starttls is not None:
            options.update(tls_context=self.starttls, require_starttls=True)
        self._controller = Controller(
            _Recorder(self),
            hostname="127.0.0.1",
            port=self.port,
            ssl_context=self.tls,
            **options,
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def received(self) -> list[ReceivedMail]:
        with self.lock:
            return list(self.messages)

    def to(self, address: str) -> list[ReceivedMail]:
        return [m for m in self.received() if address in m.recipients]

    def wait_for(self, count: int, timeout: float = 5.0) -> list[ReceivedMail]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.received()) >= count:
                return self.received()
            time.sleep(0.01)
        raise AssertionError(f"expected {count} messages, got {len(self.received())}")


@dataclass
class ReceivedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    received_at: float

    def json(self) -> Any:
        import json

        return json.loads(self.body)


@dataclass
class HttpSink:
    """``with HttpSink() as hook:`` a real HTTP server on 127.0.0.1 recording every request.
    ``hook.status`` is what it answers (200 by default); ``stop()``/``start()`` make an
    outage on the same port."""

    port: int = field(default_factory=free_port)
    status: int = 200
    requests: list[ReceivedRequest] = field(default_factory=list)
    respond: Callable[[ReceivedRequest], tuple[int, bytes]] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    """Extra headers of every answer (e.g. ``Retry-After``)."""
    lock: threading.Lock = field(default_factory=threading.Lock)
    _server: http.server.ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> HttpSink:
        sink = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                received = ReceivedRequest(
                    "POST",
                    self.path,
                    dict(self.headers.items()),
                    self.rfile.read(length),
                    time.time(),
                )
                status, body = (
                    sink.respond(received) if sink.respond is not None else (sink.status, b"ok")
                )
                if 200 <= status < 300:
                    with sink.lock:
                        sink.requests.append(received)
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                for name, value in sink.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        http.server.ThreadingHTTPServer.allow_reuse_address = True
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> HttpSink:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def received(self) -> list[ReceivedRequest]:
        with self.lock:
            return list(self.requests)

    def wait_for(self, count: int, timeout: float = 5.0) -> list[ReceivedRequest]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.received()) >= count:
                return self.received()
            time.sleep(0.01)
        raise AssertionError(f"expected {count} requests, got {len(self.received())}")
