"""Creating users and tokens, and checking a presented token."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warroom.auth.models import ApiToken, User, UserRole
from warroom.auth.permissions import Principal, lower
from warroom.problems import Conflict, InvalidInput, NotFound

TOKEN_PREFIX = "wr_"
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(
    session: Session,
    username: str,
    role: UserRole,
    now: datetime,
    *,
    email: str | None = None,
    display_name: str | None = None,
) -> User:
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise Conflict(f"user '{username}' already exists", field="username")
    user = User(
        username=username, email=email, display_name=display_name, role=role, created_at=now
    )
    session.add(user)
    session.flush()
    return user


def count_users(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(User)) or 0)


def create_token(
    session: Session,
    user: User,
    name: str,
    now: datetime,
    *,
    role: UserRole | None = None,
    team: str | None = None,
) -> tuple[ApiToken, str]:
    """Returns the row and the plaintext token, which is shown once and never stored. A
    token's ``role`` may not exceed its owner's; its ``team`` must be one of the owner's
    teams (any team for an admin)."""
    if not name.strip():
        raise InvalidInput("token name must not be empty", field="name")
    if role is not None and role.rank > user.role.rank:
        raise InvalidInput(
            f"a token of {user.username} ({user.role.value}) cannot be a {role.value}",
            field="role",
        )
    if team is not None and user.role is not UserRole.ADMIN and team not in user.teams:
        raise InvalidInput(f"{user.username} is not a member of team {team}", field="team")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        user=user,
        name=name,
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        token_hash=hash_token(secret),
        created_at=now,
        role=role,
        team=team,
    )
    session.add(token)
    session.flush()
    return token, secret


def authenticate(
    session: Session, secret: str, now: datetime, address: str | None = None
) -> Principal | None:
    """The caller a presented API token stands for: its owner, with the token's role (never
    above the owner's) and team scope; None for an unknown or revoked token, or a disabled
    owner."""
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    if token is None or token.revoked_at is not None or token.user.disabled_at is not None:
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        token.last_used_at = now
    user = token.user
    teams = frozenset([token.team]) if token.team is not None else frozenset(user.teams)
    return Principal(
        user=user,
        role=lower(user.role, token.role),
        teams=teams,
        via=f"token:{token.prefix}",
        address=address,
    )


def list_tokens(session: Session, user: User | None = None) -> list[ApiToken]:
    stmt = select(ApiToken).order_by(ApiToken.id)
    if user is not None:
        stmt = stmt.where(ApiToken.user_id == user.id)
    return list(session.scalars(stmt))


def revoke_token(session: Session, token_id: int, now: datetime, owner: User | None) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None or (owner is not None and token.user_id != owner.id):
        raise NotFound(f"token {token_id} does not exist", field="token_id")
    if token.revoked_at is not None:
        raise Conflict(f"token {token_id} is already revoked", field="token_id")
    token.revoked_at = now
    return token


def ensure_user(
    session: Session,
    username: str,
    now: datetime,
    *,
    email: str | None = None,
    display_name: str | None = None,
) -> User:
    """The user named ``username``; a person from the configuration who acts for the first
    time (acknowledging from an email link or from Slack) becomes a responder."""
    user = session.scalar(select(User).where(User.username == username))
    if user is not None:
        return user
    return create_user(
        session, username, UserRole.RESPONDER, now, email=email, display_name=display_name
    )
