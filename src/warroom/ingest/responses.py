"""How refusals are answered and counted."""

from __future__ import annotations

from fastapi.responses import JSONResponse

from warroom.api.errors import error_response
from warroom.ingest.http import UNKNOWN_INTEGRATION, IngestError, Ingestor


def refusal(ingestor: Ingestor, integration: str | None, exc: IngestError) -> JSONResponse:
    ingestor.count(integration or UNKNOWN_INTEGRATION, exc.outcome, exc.signals)
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
    return error_response(exc.status_code, exc.code, exc.message, exc.field, headers)
