"""The FastAPI application class: ingest requests enter before FastAPI's own layers.

FastAPI wraps every request in several layers (body-limit accounting, telemetry, exception
middleware, the router, dependency solving) that cost more than the whole ingest handler.
Senders are the hot path and need none of them, so a request under one of the ingest
prefixes goes straight to ``ingest_entry`` (request logging and metrics around the ingest
fast path); everything else, and any ingest request the fast path does not match, takes the
normal FastAPI path. The busiest routes, Alertmanager's and PagerDuty's ``/v2/enqueue``, are
taken even before that by ``SenderFastPath``, a raw ASGI handler.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from warroom.ingest.fastpath import SenderFastPath

SWAGGER_ASSETS = Path(fastapi_offline.__file__).parent / "static"


class WarroomApp(FastAPI):
    ingest_prefixes: tuple[str, ...] = ()
    ingest_entry: ASGIApp | None = None
    _senders: SenderFastPath | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            self.ingest_entry is not None
            and scope["type"] == "http"
            and str(scope.get("path", "")).startswith(self.ingest_prefixes)
        ):
            scope["app"] = self
            if self._senders is None:
                self._senders = SenderFastPath(self.state.metrics)
            if not await self._senders.handle(scope, receive, send):
                await self.ingest_entry(scope, receive, send)
            return
        await super().__call__(scope, receive, send)

    async def fastapi_path(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The normal FastAPI handling (for ingest requests the fast path does not match)."""
        await super().__call__(scope, receive, send)


def serve_docs(app: FastAPI, docs_url: str, static_url: str) -> None:
    """Swagger UI from assets shipped with warroom's dependencies: no CDN."""
    app.mount(static_url, StaticFiles(directory=SWAGGER_ASSETS), name="api-static")
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get(docs_url, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{openapi_url}",
            title=f"{app.title} — API",
            swagger_js_url=f"{root}{static_url}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{static_url}/swagger-ui.css",
            swagger_favicon_url=f"{root}{static_url}/favicon.png",
        )
