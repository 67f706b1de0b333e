"""Browser sign-ins: a row per session, the cookie carries its signed id.

Signing out, an admin disabling the user, or the idle and absolute limits end a session; the
cookie alone is never enough.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from warroom.auth import passwords
from warroom.auth.models import User, WebSession
from warroom.auth.permissions import Principal

IDLE_LIMIT = timedelta(hours=12)
"""A session unused this long ends (an on-call shift's night)."""
ABSOLUTE_LIMIT = timedelta(days=14)
LAST_SEEN_RESOLUTION = timedelta(minutes=1)
USER_AGENT_LENGTH = 256


def start(
    session: Session,
    user: User,
    method: str,
    now: datetime,
    address: str | None,
    user_agent: str | None,
) -> WebSession:
    row = WebSession(
        id=secrets.token_urlsafe(32),
        user_id=user.id,
        user=user,
        method=method,
        created_at=now,
        last_seen_at=now,
        address=address,
        user_agent=(user_agent or "")[:USER_AGENT_LENGTH] or None,
    )
    user.last_login_at = now
    session.add(row)
    session.flush()
    return row


def resume(session: Session, session_id: str, now: datetime) -> WebSession | None:
    """The live session of that id, its last use noted; None once it has ended."""
    row = session.get(WebSession, session_id)
    if row is None or row.ended_at is not None or row.user.disabled_at is not None:
        return None
    if now - row.last_seen_at > IDLE_LIMIT or now - row.created_at > ABSOLUTE_LIMIT:
        row.ended_at = now
        return None
    if now - row.last_seen_at > LAST_SEEN_RESOLUTION:
        row.last_seen_at = now
    return row


def end(session: Session, session_id: str, now: datetime) -> WebSession | None:
    """Ends the session; the row if it was live (None if it had already ended)."""
    row = session.get(WebSession, session_id)
    if row is None or row.ended_at is not None:
        return None
    row.ended_at = now
    return row


def end_all(session: Session, user: User, now: datetime) -> None:
    """Every session of the user (password changed, user disabled)."""
    session.execute(
        update(WebSession)
        .where(WebSession.user_id == user.id, WebSession.ended_at.is_(None))
        .values(ended_at=now)
    )


def principal(row: WebSession, address: str | None) -> Principal:
    user = row.user
    return Principal(
        user=user, role=user.role, teams=frozenset(user.teams), via="session", address=address
    )


def check_password(session: Session, username: str, password: str, now: datetime) -> User | None:
    """The user whose password this is (rehashed if the parameters changed), else None,
    taking as long for an unknown username as for a wrong password."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None or user.password_hash is None:
        passwords.verify_password(passwords.DUMMY_HASH, password)
        return None
    if user.disabled_at is not None or not passwords.verify_password(user.password_hash, password):
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    return user


def set_password(session: Session, user: User, password: str, now: datetime) -> None:
    user.password_hash = passwords.hash_password(password)
    end_all(session, user, now)
