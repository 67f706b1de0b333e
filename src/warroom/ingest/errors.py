"""Why intake refuses a signal: the one error every adapter raises, HTTP or not."""

from __future__ import annotations

from warroom.problems import WarroomError


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
        }.get(status, "error")
        self.outcome = outcome
        self.integration: str | None = None
        """The slug of the integration refused, once known (the fast path counts by it)."""
        self.retry_after = retry_after
