"""The FastAPI application class: one dispatch decision before FastAPI's own layers.

An ingest request gets the handler ``IngestDispatcher.pick`` chooses for it (the raw sender
handler, or the ingest route's endpoint with the access log around it); every other request,
and an ingest request the dispatcher does not take, goes through FastAPI as usual.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse
from starlette.types import Receive, Scope, Send

from warroom.api import openapi
from warroom.http.security import policy_for_inline_scripts
from warroom.ingest.fastpath import IngestDispatcher

SWAGGER_ASSETS = Path(fastapi_offline.__file__).parent / "static"


class WarroomApp(FastAPI):
    ingest: IngestDispatcher | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.ingest is not None:
            handler = self.ingest.pick(scope)
            if handler is not None:
                scope["app"] = self
                await handler(scope, receive, send)
                return
        await super().__call__(scope, receive, send)

    async def fastapi_path(self, scope: Scope, receive: Receive, send: Send) -> None:
        """FastAPI's own handling, whatever the path (the differential tests hold the
        dispatcher's handlers to it)."""
        await super().__call__(scope, receive, send)


def serve_docs(app: FastAPI, docs_url: str, static_url: str) -> None:
    """Swagger UI from assets shipped with warroom's dependencies: no CDN; the document it
    shows names every refusal (``warroom.api.openapi``)."""
    openapi.install(app)
    app.mount(static_url, StaticFiles(directory=SWAGGER_ASSETS), name="api-static")
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get(docs_url, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        page = get_swagger_ui_html(
            openapi_url=f"{root}{openapi_url}",
            title=f"{app.title} — API",
            swagger_js_url=f"{root}{static_url}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{static_url}/swagger-ui.css",
            swagger_favicon_url=f"{root}{static_url}/favicon.png",
        )
        # Swagger UI's one inline script, allowed by its hash (never 'unsafe-inline').
        page.headers["content-security-policy"] = policy_for_inline_scripts(bytes(page.body))
        return page
