"""Audit entries for signing in and out of the web app.

A sign-in changes no audited row (``web_sessions`` is bookkeeping, ``users.last_login_at``
is not recorded), so the after-flush listener of ``warroom.auth.audit`` sees nothing: these
entries are written explicitly, on the request's transaction. Each names the user (the name
typed, for a failed attempt), how (``session``), the client's address, and the method
(``password`` or ``oidc``); never a password, a session id or a token.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from warroom.auth.audit_models import AuditAction, AuditEntry

VIA_SESSION = "session"
OBJECT_TYPE = "user"
USERNAME_LENGTH = 64
"""``audit_log.actor``'s length: a longer typed name is cut."""
METHOD_WORDS = {"password": "a password", "oidc": "single sign-on"}


def _entry(
    session: Session,
    action: AuditAction,
    username: str,
    method: str,
    summary: str,
    address: str | None,
    request_id: str | None,
    now: datetime,
    details: dict[str, str] | None = None,
) -> AuditEntry:
    name = username[:USERNAME_LENGTH]
    row = AuditEntry(
        at=now,
        actor=name,
        actor_via=VIA_SESSION,
        address=address,
        action=action,
        object_type=OBJECT_TYPE,
        object_id=name,
        summary=summary,
        before=None,
        after={"method": method, **(details or {})},
        request_id=request_id,
    )
    session.add(row)
    return row


def signed_in(
    session: Session,
    username: str,
    method: str,
    address: str | None,
    request_id: str | None,
    now: datetime,
) -> AuditEntry:
    words = METHOD_WORDS.get(method, method)
    return _entry(
        session,
        AuditAction.SIGN_IN,
        username,
        method,
        f"{username} signed in with {words}",
        address,
        request_id,
        now,
    )


def sign_in_failed(
    session: Session,
    username: str,
    method: str,
    reason: str,
    address: str | None,
    request_id: str | None,
    now: datetime,
) -> AuditEntry:
    """A refused sign-in as ``username`` (the name as typed: it may name nobody)."""
    words = METHOD_WORDS.get(method, method)
    return _entry(
        session,
        AuditAction.SIGN_IN_FAILED,
        username,
        method,
        f"sign-in as {username[:USERNAME_LENGTH]!r} with {words} refused: {reason}",
        address,
        request_id,
        now,
        {"reason": reason},
    )


def signed_out(
    session: Session,
    username: str,
    method: str,
    address: str | None,
    request_id: str | None,
    now: datetime,
) -> AuditEntry:
    return _entry(
        session,
        AuditAction.SIGN_OUT,
        username,
        method,
        f"{username} signed out",
        address,
        request_id,
        now,
    )
