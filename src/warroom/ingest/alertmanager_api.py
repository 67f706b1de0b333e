"""Routes for Alertmanager's webhook and the Alertmanager v2 alerts API."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPBearer

from warroom.config import IntegrationKind
from warroom.ingest import alertmanager
from warroom.ingest.errors import IngestError
from warroom.ingest.http import Ingestor, integration_for, parse_json, read_body
from warroom.ingest.models import SourceKind
from warroom.ingest.responses import refusal

router = APIRouter(tags=["ingest"])
integration_key = HTTPBearer(auto_error=False, description="The integration key.")


async def _ingest(request: Request, key: str, *, api_v2: bool) -> Response:
    ingestor: Ingestor = request.app.state.ingestor
    slug = None
    try:
        integration = integration_for(
            request.app.state.live_config.current, key, IntegrationKind.ALERTMANAGER
        )
        slug = integration.slug
        body = await read_body(request, alertmanager.BODY_LIMIT)
        doc = parse_json(body)
        now = ingestor.clock()
        parse = alertmanager.parse_api_v2 if api_v2 else alertmanager.parse_webhook
        signals = alertmanager.encoded(parse(doc, now), integration.environment)
        ingestor.admit(integration, len(signals))
        await ingestor.store_encoded(integration, SourceKind.ALERTMANAGER, signals, now)
    except IngestError as exc:
        return refusal(ingestor, slug, exc)
    if api_v2:
        return Response(status_code=200)
    return JSONResponse({"status": "ok", "signals": len(signals)})


@router.post("/ingest/alertmanager/{key}", summary="Alertmanager webhook receiver")
async def alertmanager_webhook(key: str, request: Request) -> Response:
    """Point an Alertmanager `webhook_configs` url here."""
    return await _ingest(request, key, api_v2=False)


@router.post("/ingest/alertmanager/{key}/api/v2/alerts", summary="Alertmanager v2 alerts API")
async def alertmanager_api_v2_prefixed(key: str, request: Request) -> Response:
    """Prometheus `alerting.alertmanagers` with `path_prefix: /ingest/alertmanager/<key>`."""
    return await _ingest(request, key, api_v2=True)


@router.post("/api/v2/alerts", summary="Alertmanager v2 alerts API (key as bearer token)")
async def alertmanager_api_v2(request: Request) -> Response:
    """Prometheus `alerting.alertmanagers` with `authorization: {credentials: <key>}`."""
    credentials = await integration_key(request)
    if credentials is None:
        ingestor: Ingestor = request.app.state.ingestor
        return refusal(
            ingestor,
            None,
            IngestError(
                401,
                "send the integration key as 'Authorization: Bearer <key>'",
                field="authorization",
                outcome="unknown_key",
            ),
        )
    return await _ingest(request, credentials.credentials, api_v2=True)
