"""Why intake refuses a signal: the one error every adapter raises, HTTP or not."""

from __future__ import annotations

from warroom.db.outage import RETRY_AFTER_SECONDS, Outage, is_unavailable
from warroom.problems import WarroomError

INGEST_OUTAGE = Outage("ingest")
"""Logs once when ingest finds the database away, and once when a write succeeds again."""


class IngestError(WarroomError):
    """A refusal with the sender-facing status; ``outcome`` is what the counters record."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        field: str | None = None,
        outcome: str = "malformed",
        retry_after: int | None = None,
        signals: int = 1,
    ) -> None:
        super().__init__(message, field=field)
        self.signals = signals
        """How many signals the refusal turned away (counted per signal, like accepted)."""
        self.status_code = status
        self.code = {
            400: "invalid",
            401: "unauthorized",
            404: "not_found",
            413: "payload_too_large",
            415: "unsupported_media_type",
            429: "rate_limited",
            503: "unavailable",
        }.get(status, "error")
        self.outcome = outcome
        self.integration: str | None = None
        """The slug of the integration refused, once known (the fast path counts by it)."""
        self.retry_after = retry_after


def database_refusal(error: BaseException) -> IngestError | None:
    """The 503 (with ``Retry-After``) for an error that means the database is away, None
    for any other error. Every ingest route maps its unexpected errors through this: a
    sender retries a 503, and nothing it sent was acknowledged (nothing was committed)."""
    if not is_unavailable(error):
        return None
    INGEST_OUTAGE.failed(error)
    return IngestError(
        503,
        "the database is unavailable; nothing was stored, retry later",
        outcome="db_unavailable",
        retry_after=RETRY_AFTER_SECONDS,
    )
