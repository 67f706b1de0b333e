"""Who may do what: four permissions, each granted from a minimum role.

Every route of the API and the web app declares the one permission it needs (see
``warroom.http.deps``); ``docs/permissions.md`` holds the matrix that a test walks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from warroom.auth.models import User, UserRole


class Permission(StrEnum):
    PUBLIC = "public"
    """No sign-in: health checks, the public status page, sign-in itself, ingest (which
    authenticates with its own integration keys)."""
    READ = "read"
    RESPOND = "respond"
    """Act on incidents, alerts, silences and error issues."""
    MANAGE_TEAM = "manage_team"
    """Change a team's schedules and overrides: team managers for their own teams."""
    ADMIN = "admin"


PRINCIPAL_KEY = "warroom_principal"
"""``Session.info`` key of the request's caller (what the audit log records as who)."""

MINIMUM_ROLE: dict[Permission, UserRole | None] = {
    Permission.PUBLIC: None,
    Permission.READ: UserRole.VIEWER,
    Permission.RESPOND: UserRole.RESPONDER,
    Permission.MANAGE_TEAM: UserRole.TEAM_MANAGER,
    Permission.ADMIN: UserRole.ADMIN,
}


def lower(role: UserRole, cap: UserRole | None) -> UserRole:
    """``role``, capped at ``cap`` (a token's role never exceeds its owner's)."""
    if cap is None or cap.rank >= role.rank:
        return role
    return cap


@dataclass(frozen=True)
class Principal:
    """The caller of one request: the user, the role in force (a token may carry less than
    its owner's), the teams it may manage, and how it signed in (for the audit log)."""

    user: User
    role: UserRole
    teams: frozenset[str] = field(default_factory=frozenset)
    via: str = "session"
    """``session``, ``token:<prefix>``, ``link`` (a signed email link) or ``slack``."""
    address: str | None = None
    request_id: str | None = None
    """The request's ``X-Request-Id``, so an audit record leads to the access log line."""

    def may(self, permission: Permission, team: str | None = None) -> bool:
        """Whether the role grants ``permission``; MANAGE_TEAM on a named ``team`` also needs
        membership of it, unless the caller is an admin."""
        needed = MINIMUM_ROLE[permission]
        if needed is None:
            return True
        if self.role.rank < needed.rank:
            return False
        if permission is Permission.MANAGE_TEAM and team is not None:
            return self.role is UserRole.ADMIN or team in self.teams
        return True
