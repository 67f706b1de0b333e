"""One client per tracker kind, over httpx with timeouts. Each creates an issue for a
subject and updates it (title, body, labels, state); errors become ``DeliveryFailed``:
401/403/404/400/422 at once (they never succeed), 408/429/5xx and network errors retried,
with the tracker's ``Retry-After`` (or GitHub's rate-limit reset) as ``retry_after``."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import httpx

from warroom import __version__
from warroom.config.trackers import Tracker
from warroom.learn.trackers.enqueue import TrackerSubject
from warroom.notify.channels import DeliveryFailed
from warroom.notify.channels.http_webhook import retry_after_seconds

TIMEOUT_SECONDS = 10.0
RETRYABLE_STATUSES = frozenset({408, 425, 429})


@dataclass(frozen=True)
class IssueRef:
    external_id: str
    key: str
    url: str


class TrackerClient(Protocol):
    def create(self, tracker: Tracker, subject: TrackerSubject, now: datetime) -> IssueRef:
        """Make the issue (closed too when the subject is)."""

    def update(
        self,
        tracker: Tracker,
        ref: IssueRef,
        subject: TrackerSubject,
        was_closed: bool,
        now: datetime,
    ) -> None:
        """Bring the issue to the subject's state."""


def secret_of(env: str | None, what: str) -> str:
    if not env:
        raise DeliveryFailed(f"{what} is not configured", retryable=False)
    value = os.environ.get(env)
    if not value:
        raise DeliveryFailed(f"environment variable {env} ({what}) is not set")
    return value


def rate_limit_wait(response: httpx.Response, now: datetime) -> float | None:
    """Seconds the tracker asks us to wait, or None if the answer is not a rate limit:
    429 or 403 with ``Retry-After`` (GitHub's secondary limit), or GitHub's primary limit
    (``x-ratelimit-remaining: 0`` with the reset time in Unix seconds)."""
    retry_after = retry_after_seconds(response.headers.get("retry-after"), now)
    if response.status_code in (403, 429):
        if retry_after is not None:
            return retry_after
        if response.headers.get("x-ratelimit-remaining") == "0":
            reset = response.headers.get("x-ratelimit-reset", "")
            if reset.isdecimal() and reset.isascii():
                return max(float(reset) - now.timestamp(), 1.0)
            return 60.0
        if response.status_code == 429:
            return 60.0
    return None


class RateLimited(DeliveryFailed):
    """The tracker said to slow down; ``retry_after`` says for how long."""


class HttpClient:
    """The shared request and error handling of the clients."""

    def __init__(self, client: httpx.Client | None = None) -> None:
        self.http = client or httpx.Client(timeout=TIMEOUT_SECONDS)

    def request(
        self,
        method: str,
        url: str,
        *,
        now: datetime,
        headers: dict[str, str],
        json: Any = None,
        params: dict[str, str] | None = None,
        content: bytes | None = None,
    ) -> httpx.Response:
        all_headers = {"User-Agent": f"warroom/{__version__}", **headers}
        try:
            response = self.http.request(
                method, url, headers=all_headers, json=json, params=params, content=content
            )
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc
        if response.is_success:
            return response
        text = f"{method} {url}: HTTP {response.status_code}: {response.text[:300]}"
        wait = rate_limit_wait(response, now)
        if wait is not None:
            raise RateLimited(text, retry_after=wait)
        retryable = response.status_code >= 500 or response.status_code in RETRYABLE_STATUSES
        raise DeliveryFailed(
            text,
            retryable=retryable,
            retry_after=retry_after_seconds(response.headers.get("retry-after"), now),
        )


def body_with_link(subject: TrackerSubject) -> str:
    lines = [subject.body.rstrip(), "", f"In warroom: {subject.url}"]
    if subject.due is not None:
        lines.append(f"Due: {subject.due.isoformat()}")
    return "\n".join(lines).lstrip()


def answer_field(response: httpx.Response, name: str) -> Any:
    try:
        data = response.json()
    except ValueError:
        raise DeliveryFailed(
            f"the tracker answered {response.status_code} without JSON", retryable=False
        ) from None
    if not isinstance(data, dict) or data.get(name) in (None, ""):
        raise DeliveryFailed(f"the tracker's answer has no {name!r}", retryable=False)
    return data[name]
