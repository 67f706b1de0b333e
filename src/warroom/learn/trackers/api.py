"""``POST /api/v1/trackers/{name}/webhook``: a tracker reports an issue closed or reopened.

Public: the tracker's signature authenticates it, not a token (docs/trackers.md). A wrong
or missing signature is a 401 naming the header; any event that is not a close or reopen
of an issue warroom made is answered 200 ``ignored`` (trackers disable hooks that fail).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from warroom.http.deps import ConfigDep, NowDep, SessionDep
from warroom.learn.trackers import inbound
from warroom.learn.trackers.schemas import WebhookResult
from warroom.problems import NotFound

router = APIRouter(prefix="/api/v1/trackers", tags=["trackers"], include_in_schema=False)
"""Out of the OpenAPI document, whose routes all take a bearer token: trackers sign."""


@dataclass(frozen=True)
class RawRequest:
    body: bytes
    headers: dict[str, str]


async def raw_request(request: Request) -> RawRequest:
    """The body as the tracker signed it (read here: the handler itself is synchronous)."""
    return RawRequest(await request.body(), {k.lower(): v for k, v in request.headers.items()})


Raw = Annotated[RawRequest, Depends(raw_request)]


@router.post("/{name}/webhook")
def tracker_webhook(
    name: str, raw: Raw, session: SessionDep, config: ConfigDep, now: NowDep
) -> WebhookResult:
    """A tracker's webhook (its URL in docs/trackers.md): closes or reopens the subject."""
    tracker = config.tracker(name)
    if tracker is None:
        raise NotFound(f"no tracker named {name!r}", field="name")
    inbound.verify(tracker, raw.body, raw.headers, now)
    event = inbound.parse(tracker, raw.body, raw.headers)
    if event is None:
        return WebhookResult(result="ignored")
    if not inbound.apply(session, tracker, event, now):
        session.rollback()
        return WebhookResult(result="ignored")
    session.commit()
    return WebhookResult(result="applied")
