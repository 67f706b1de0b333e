"""When to try a failed delivery again: exponential backoff with jitter."""

from __future__ import annotations

import random
from datetime import timedelta

from warroom.config.notify import RetrySettings


def retry_delay(
    settings: RetrySettings, attempts: int, rng: random.Random | None = None
) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: ``first_delay`` doubling each time,
    capped at ``max_delay``, then "equal jitter" - between half of it and all of it - so many
    deliveries failing together do not all come back at the same instant."""
    exponent = max(attempts - 1, 0)
    ceiling = min(settings.first_delay * (2 ** min(exponent, 30)), settings.max_delay)
    fraction = (rng or random).uniform(0.5, 1.0)
    return timedelta(seconds=ceiling.total_seconds() * fraction)
