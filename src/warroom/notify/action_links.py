"""Signed, expiring links in pages: acknowledge or resolve an incident from an email."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from warroom.auth.signing import sign, verify

PURPOSE = "incident-action"


class LinkAction(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"


@dataclass(frozen=True)
class ActionGrant:
    incident_id: int
    action: LinkAction
    username: str
    page_id: int | None


def action_url(key: bytes, public_url: str, grant: ActionGrant, expires_at: datetime) -> str:
    token = sign(
        key,
        PURPOSE,
        {
            "i": grant.incident_id,
            "a": grant.action.value,
            "u": grant.username,
            "g": grant.page_id,
        },
        expires_at,
    )
    return f"{public_url.rstrip('/')}/act/{token}"


def read_grant(key: bytes, token: str, now: datetime) -> ActionGrant:
    """The grant of a token; raises BadSignature (altered, expired, or not an action link)."""
    data = verify(key, PURPOSE, token, now)
    page = data.get("g")
    return ActionGrant(
        incident_id=int(data["i"]),
        action=LinkAction(data["a"]),
        username=str(data["u"]),
        page_id=int(page) if page is not None else None,
    )
