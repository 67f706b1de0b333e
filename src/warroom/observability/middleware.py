"""ASGI middleware: request ids, access logs, metrics, and the request body limit."""

from __future__ import annotations

import itertools
import os
import time
from typing import Any

import orjson
import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from warroom.observability.metrics import Metrics

log = structlog.get_logger("warroom.http")


_REQUEST_PREFIX = f"{os.getpid():x}-{int(time.time()):x}-"
_request_numbers = itertools.count(1)


def next_request_id() -> str:
    """Unique per process start; cheap (no syscall per request)."""
    return f"{_REQUEST_PREFIX}{next(_request_numbers)}"


class BodyTooLarge(Exception):
    pass


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return str(path) if path else "<unmatched>"


async def _send_json(send: Send, status: int, body: dict[str, Any], headers: list[Any]) -> None:
    payload = orjson.dumps(body)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


class RequestMiddleware:
    """Outermost layer: one access-log line and metrics per request; bodies are bounded."""

    def __init__(
        self,
        app: ASGIApp,
        metrics: Metrics,
        max_body_bytes: int,
        own_limit_prefixes: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes
        self.own_limit_prefixes = own_limit_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        raw_id = headers.get(b"x-request-id", b"").decode("latin-1")[:128]
        request_id = raw_id or next_request_id()
        request_id_header = (b"x-request-id", request_id.encode("latin-1"))
        scope.setdefault("state", {})
        scope["state"]["request_id"] = request_id
        started = time.perf_counter()
        status_holder = {"status": 500, "started": False}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                status_holder["started"] = True
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], request_id_header]
            await send(message)

        path = str(scope.get("path", ""))
        own_limit = path.startswith(self.own_limit_prefixes)
        limit = 1 << 62 if own_limit else self.max_body_bytes
        declared = headers.get(b"content-length")
        received = 0

        async def receive_wrapper() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        try:
            if declared is not None and declared.isdigit() and int(declared) > limit:
                raise BodyTooLarge
            await self.app(scope, receive_wrapper, send_wrapper)
        except BodyTooLarge:
            if not status_holder["started"]:
                status_holder["status"] = 413
                await _send_json(
                    send,
                    413,
                    {
                        "error": {
                            "code": "payload_too_large",
                            "field": "body",
                            "message": f"request body exceeds {limit} bytes",
                        }
                    },
                    [request_id_header],
                )
        finally:
            self._observe(scope, request_id, status_holder["status"], started)

    def _observe(self, scope: Scope, request_id: str, status: Any, started: float) -> None:
        duration = time.perf_counter() - started
        route = _route_template(scope)
        method = scope.get("method", "")
        self.metrics.requests.labels(method, route, str(status)).inc()
        self.metrics.latency.labels(method, route).observe(duration)
        state = scope.get("state", {})
        fields: dict[str, Any] = {
            "request_id": request_id,
            "method": method,
            "path": scope.get("path"),
            "route": route,
            "status": status,
            "duration_ms": round(duration * 1000, 2),
        }
        for key in ("incident", "user"):
            if key in state:
                fields[key] = state[key]
        log.info("request", **fields)
