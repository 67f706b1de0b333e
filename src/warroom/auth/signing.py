"""Signed, expiring tokens for links that act without a login (acknowledge from an email,
subscribe to an iCal feed).

A token is ``base64url(json payload) . base64url(HMAC-SHA256(key, payload))``; the payload
carries its purpose and expiry (``exp``, Unix seconds), checked against the injected clock.
The key comes from ``WARROOM_SECRET_KEY``, or else is made once and kept in the database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from warroom.auth.models import AppSecret

SIGNING_KEY_NAME = "link_signing_key"


class BadSignature(Exception):
    """The token was altered, made with another key, for another purpose, or expired."""


def signing_key(session: Session, now: datetime, configured: str | None = None) -> bytes:
    """The operator's key if given, else the database's (made on first use)."""
    if configured:
        return configured.encode()
    row = session.get(AppSecret, SIGNING_KEY_NAME)
    if row is None:
        value = secrets.token_urlsafe(32)
        try:
            with session.begin_nested():
                session.add(AppSecret(name=SIGNING_KEY_NAME, value=value, created_at=now))
        except IntegrityError:  # another process made it first
            row = session.get(AppSecret, SIGNING_KEY_NAME)
            assert row is not None
            return row.value.encode()
        return value.encode()
    return row.value.encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(key: bytes, purpose: str, data: dict[str, Any], expires_at: datetime | None) -> str:
    payload: dict[str, Any] = {"p": purpose, **data}
    if expires_at is not None:
        payload["exp"] = int(expires_at.timestamp())
    body = orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)
    mac = hmac.new(key, body, hashlib.sha256).digest()
    return f"{_b64(body)}.{_b64(mac)}"


def verify(key: bytes, purpose: str, token: str, now: datetime) -> dict[str, Any]:
    """The signed data (without purpose and expiry); raises BadSignature."""
    try:
        body_text, mac_text = token.split(".", 1)
        body, mac = _unb64(body_text), _unb64(mac_text)
    except (ValueError, TypeError) as exc:
        raise BadSignature("malformed token") from exc
    if not hmac.compare_digest(hmac.new(key, body, hashlib.sha256).digest(), mac):
        raise BadSignature("invalid signature")
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadSignature("malformed token") from exc
    if not isinstance(payload, dict) or payload.pop("p", None) != purpose:
        raise BadSignature("token made for another purpose")
    expires = payload.pop("exp", None)
    if expires is not None and now.timestamp() >= float(expires):
        raise BadSignature("link expired")
    return payload
