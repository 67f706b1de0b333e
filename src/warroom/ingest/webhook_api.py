"""Route of the generic JSON webhook (and AWS SNS HTTPS subscriptions, which speak it)."""

from __future__ import annotations

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from warroom.config import IntegrationKind
from warroom.ingest import webhook
from warroom.ingest.errors import IngestError
from warroom.ingest.http import Ingestor, integration_for, parse_json, read_body
from warroom.ingest.models import SourceKind
from warroom.ingest.responses import refusal

router = APIRouter(tags=["ingest"])
log = structlog.get_logger("warroom.ingest.webhook")


def _sns_control(ingestor: Ingestor, slug: str, control: webhook.SnsControl) -> Response:
    """Nothing is fetched: the operator confirms a subscription by opening the logged URL."""
    if control.kind == webhook.SNS_SUBSCRIBE:
        log.warning(
            "sns_subscription_confirmation",
            integration=slug,
            topic=control.topic,
            subscribe_url=control.subscribe_url,
            hint="open subscribe_url to confirm the subscription; warroom does not fetch it",
        )
        ingestor.count(slug, "sns_subscription_confirmation")
        return JSONResponse(
            {"status": "ok", "signals": 0, "subscription_confirmation": control.subscribe_url}
        )
    log.warning("sns_unsubscribe_confirmation", integration=slug, topic=control.topic)
    ingestor.count(slug, "sns_unsubscribe_confirmation")
    return JSONResponse({"status": "ok", "signals": 0})


@router.post("/ingest/webhook/{key}", summary="Generic JSON webhook")
async def generic_webhook(key: str, request: Request) -> Response:
    """Any JSON body (up to 1 MiB), turned into alerts by the integration's `transform`."""
    ingestor: Ingestor = request.app.state.ingestor
    slug = None
    try:
        integration = integration_for(
            request.app.state.live_config.current, key, IntegrationKind.WEBHOOK
        )
        slug = integration.slug
        body = await read_body(request, webhook.BODY_LIMIT)
        doc = parse_json(body)
        control = webhook.sns_control(doc)
        if control is not None:
            ingestor.admit(integration, 1)
            return _sns_control(ingestor, slug, control)
        delivery = webhook.delivery(doc, integration)
        ingestor.admit(integration, len(delivery))
        signals = await run_in_threadpool(delivery.render)  # templates: CPU, off the loop
        await ingestor.store(integration, SourceKind.WEBHOOK, signals)
    except IngestError as exc:
        return refusal(ingestor, slug, exc)
    return JSONResponse({"status": "ok", "signals": len(signals)})
