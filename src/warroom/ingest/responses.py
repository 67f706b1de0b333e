"""How refusals are answered and counted."""

from __future__ import annotations

from fastapi.responses import JSONResponse

from warroom.http.errors import error_response
from warroom.ingest.errors import IngestError
from warroom.ingest.http import BEARER_CHALLENGE, UNKNOWN_INTEGRATION, Ingestor


def refusal(ingestor: Ingestor, integration: str | None, exc: IngestError) -> JSONResponse:
    ingestor.count(integration or UNKNOWN_INTEGRATION, exc.outcome, exc.signals)
    headers: dict[str, str] = {}
    if exc.retry_after:
        headers["Retry-After"] = str(exc.retry_after)
    if exc.status_code == 401:  # RFC 9110: a 401 says which scheme to authenticate with
        headers["WWW-Authenticate"] = BEARER_CHALLENGE
    return error_response(exc.status_code, exc.code, exc.message, exc.field, headers or None)
