"""The ingest hot path skips FastAPI's router, dependency solving and exception layers.

Senders are the busiest callers and their routes need none of that (they read the body
themselves and authenticate with the integration key). This middleware matches the
ingest routes itself and calls their endpoints directly; anything it does not fully match
(another path, a wrong method) goes on to FastAPI, which answers as usual. The routes stay
declared on FastAPI too, so they appear in the OpenAPI document.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

import structlog
from fastapi import APIRouter
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from warroom.api.errors import error_response
from warroom.errors import WarroomError

log = structlog.get_logger("warroom.ingest")
OBSERVED = "warroom.observed"
Endpoint = Callable[..., Awaitable[Response]]


def _plain(endpoint: Endpoint) -> Callable[[Request], Awaitable[Response]]:
    async def call(request: Request) -> Response:
        try:
            return await endpoint(request=request, **request.path_params)
        except WarroomError as exc:
            return error_response(exc.status_code, exc.code, exc.message, exc.field)
        except Exception:
            log.exception("ingest_failed", path=request.url.path)
            return error_response(500, "internal", "internal error; the request id is in the logs")

    return call


class IngestFastPath:
    def __init__(self, app: ASGIApp, routers: Sequence[APIRouter], prefixes: tuple[str, ...]):
        self.app = app
        self.prefixes = prefixes
        self.routes = [
            Route(route.path, _plain(route.endpoint), methods=sorted(route.methods or ()))
            for router in routers
            for route in router.routes
            if isinstance(route, APIRoute)
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and str(scope.get("path", "")).startswith(self.prefixes):
            scope[OBSERVED] = True  # the fallback's own request middleware must not log again
            for route in self.routes:
                match, child = route.matches(scope)
                if match is Match.FULL:
                    scope.update(child)
                    scope["route"] = route
                    await route.handle(scope, receive, send)
                    return
        await self.app(scope, receive, send)
