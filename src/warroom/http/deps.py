"""Request dependencies: session, config, clock, and the caller with its permission.

Every route declares what it needs with one of ``ReaderDep``, ``WriterDep``, ``ManagerDep``
or ``AdminDep`` (``require(permission)``), or is public; ``tests/http/test_permissions.py``
walks the routes and checks each against ``docs/permissions.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from warroom.auth import permissions
from warroom.auth import service as auth_service
from warroom.auth.models import User, UserRole
from warroom.auth.permissions import MINIMUM_ROLE, Permission, Principal
from warroom.config import Config
from warroom.db.outage import is_unavailable
from warroom.problems import Forbidden, Unauthorized

bearer = HTTPBearer(auto_error=False, description="An API token: `warroom tokens create`.")


def get_session(request: Request) -> Iterator[Session]:
    """One session per request; handlers commit explicitly at the end of a write."""
    session: Session = request.app.state.session_factory()
    try:
        yield session
    finally:
        try:
            session.rollback()
        except Exception as exc:
            # The connection died once the handler was done (a database restart or a
            # failover): there is nothing left to roll back, and the answer may be out.
            if not is_unavailable(exc):
                raise
        finally:
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


def client_address(request: Request) -> str | None:
    return request.client.host if request.client is not None else None


def bearer_principal(
    request: Request,
    session: Session,
    now: datetime,
    credentials: HTTPAuthorizationCredentials | None,
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("missing bearer token: send 'Authorization: Bearer <token>'")
    principal = auth_service.authenticate(
        session, credentials.credentials, now, client_address(request)
    )
    if principal is None:
        raise Unauthorized("invalid or revoked token")
    principal = replace(principal, request_id=getattr(request.state, "request_id", None))
    # Always end the authentication transaction: last_used_at may already have been
    # autoflushed (so session.dirty is empty), and on SQLite an open transaction holds
    # the write lock for the whole request.
    session.commit()
    request.state.user = principal.user.username
    request.state.principal = principal
    session.info[PRINCIPAL_KEY] = principal
    return principal


def refuse(principal: Principal, permission: Permission, team: str | None = None) -> None:
    """Raise 403 unless ``principal`` may ``permission`` (on ``team``)."""
    if principal.may(permission, team):
        return
    needed = MINIMUM_ROLE[permission]
    who = f"{principal.user.username} is a {principal.role.value}"
    if needed is not None and principal.role.rank >= needed.rank and team is not None:
        raise Forbidden(f"{who} and not a manager of team {team}")
    if needed is UserRole.ADMIN:
        raise Forbidden(f"{who}; this needs an admin")
    label = needed.value.replace("_", " ") if needed is not None else "anyone"
    raise Forbidden(f"{who}; this needs a {label} or above")


def require(permission: Permission) -> Callable[..., User]:
    """A dependency that authenticates the bearer token and checks ``permission``; the
    route's declared permission is read back from it (``PERMISSION_ATTRIBUTE``)."""

    def dependency(
        request: Request,
        session: SessionDep,
        now: NowDep,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> User:
        principal = bearer_principal(request, session, now, credentials)
        refuse(principal, permission)
        return principal.user

    dependency.__name__ = f"require_{permission.value}"
    setattr(dependency, PERMISSION_ATTRIBUTE, permission)
    return dependency


PERMISSION_ATTRIBUTE = "warroom_permission"
PRINCIPAL_KEY = permissions.PRINCIPAL_KEY
"""``Session.info`` key of the request's caller (what the audit log records as who)."""


def declared_permission(call: Any) -> Permission | None:
    value = getattr(call, PERMISSION_ATTRIBUTE, None)
    return value if isinstance(value, Permission) else None


def get_principal(request: Request) -> Principal:
    """The caller a ``require`` dependency of the same route authenticated."""
    principal: Principal = request.state.principal
    return principal


current_user = require(Permission.READ)
writer = require(Permission.RESPOND)
manager = require(Permission.MANAGE_TEAM)
admin = require(Permission.ADMIN)

UserDep = Annotated[User, Depends(current_user)]
ReaderDep = UserDep
WriterDep = Annotated[User, Depends(writer)]
ManagerDep = Annotated[User, Depends(manager)]
AdminDep = Annotated[User, Depends(admin)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
