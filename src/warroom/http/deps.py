"""Request dependencies: session, config, clock, and the authenticated user."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from warroom.auth import service as auth_service
from warroom.auth.models import User, UserRole
from warroom.config import Config
from warroom.problems import Forbidden, Unauthorized

bearer = HTTPBearer(auto_error=False, description="An API token: `warroom tokens create`.")


def get_session(request: Request) -> Iterator[Session]:
    """One session per request; handlers commit explicitly at the end of a write."""
    session: Session = request.app.state.session_factory()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


def get_config(request: Request) -> Config:
    config: Config = request.app.state.live_config.current
    return config


def get_now(request: Request) -> datetime:
    clock: Callable[[], datetime] = request.app.state.clock
    return clock()


SessionDep = Annotated[Session, Depends(get_session)]
ConfigDep = Annotated[Config, Depends(get_config)]
NowDep = Annotated[datetime, Depends(get_now)]


def current_user(
    request: Request,
    session: SessionDep,
    now: NowDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> User:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("missing bearer token: send 'Authorization: Bearer <token>'")
    user = auth_service.authenticate(session, credentials.credentials, now)
    if user is None:
        raise Unauthorized("invalid or revoked token")
    # Always end the authentication transaction: last_used_at may already have been
    # autoflushed (so session.dirty is empty), and on SQLite an open transaction holds
    # the write lock for the whole request.
    session.commit()
    request.state.user = user.username
    return user


UserDep = Annotated[User, Depends(current_user)]


def writer(user: UserDep) -> User:
    if user.role not in (UserRole.RESPONDER, UserRole.ADMIN):
        raise Forbidden(f"{user.username} is a {user.role.value}; responders and admins can write")
    return user


def admin(user: UserDep) -> User:
    if user.role is not UserRole.ADMIN:
        raise Forbidden(f"{user.username} is a {user.role.value}; this needs an admin")
    return user


WriterDep = Annotated[User, Depends(writer)]
AdminDep = Annotated[User, Depends(admin)]
