"""Users and their API tokens."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from warroom.db.base import Base
from warroom.db.types import str_enum


class UserRole(StrEnum):
    """What a person may do, each role including the ones before it: viewers read,
    responders act on incidents, alerts and error issues, team managers also manage their own
    teams' schedules and overrides, admins everything (users, tokens, config)."""

    VIEWER = "viewer"
    RESPONDER = "responder"
    TEAM_MANAGER = "team_manager"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return ROLE_ORDER.index(self)


ROLE_ORDER = (UserRole.VIEWER, UserRole.RESPONDER, UserRole.TEAM_MANAGER, UserRole.ADMIN)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    display_name: Mapped[str | None] = mapped_column(String(128))
    role: Mapped[UserRole] = mapped_column(str_enum(UserRole))
    created_at: Mapped[datetime]
    password_hash: Mapped[str | None] = mapped_column(String(256))
    """argon2id; None for a user who signs in only with SSO (or not at all: API tokens)."""
    oidc_subject: Mapped[str | None] = mapped_column(String(255), unique=True)
    """The OpenID Connect ``sub`` of the identity provider's account, once signed in."""
    disabled_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user")
    memberships: Mapped[list[TeamMembership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def teams(self) -> list[str]:
        return sorted(m.team for m in self.memberships)


class TeamMembership(Base):
    """A user belongs to a team (a slug of the configuration's teams): set by an admin, or
    from the identity provider's group claim at each SSO sign-in."""

    __tablename__ = "team_memberships"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    team: Mapped[str] = mapped_column(String(64), primary_key=True)

    user: Mapped[User] = relationship(back_populates="memberships")


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    role: Mapped[UserRole | None] = mapped_column(str_enum(UserRole))
    """At most the owner's role (None: the owner's role, whatever it is at the time)."""
    team: Mapped[str | None] = mapped_column(String(64))
    """Team scope: the token manages only this team's schedules (None: the owner's teams)."""

    user: Mapped[User] = relationship(back_populates="tokens")


class AppSecret(Base):
    """Secrets warroom makes for itself (the key that signs email links) when the operator
    did not give one in the environment."""

    __tablename__ = "app_secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class WebSession(Base):
    """A browser's sign-in. The cookie carries the signed ``id``; signing out (or an admin
    disabling the user) ends it here, so a copied cookie stops working too."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    method: Mapped[str] = mapped_column(String(16))
    """``password`` or ``oidc``."""
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(256))

    user: Mapped[User] = relationship()


class SavedView(Base):
    """A named filter of a list page (e.g. the incidents of a team lead's services), kept by
    its owner and optionally shown to a team's members."""

    __tablename__ = "saved_views"
    __table_args__ = (UniqueConstraint("user_id", "page", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    page: Mapped[str] = mapped_column(String(32))
    """Which list: ``incidents``, ``alerts``, ``errors``."""
    name: Mapped[str] = mapped_column(String(80))
    query: Mapped[str] = mapped_column(String(2000))
    """The list's query string, as the page's filter form sends it."""
    team: Mapped[str | None] = mapped_column(String(64), index=True)
    """Shown to this team's members too (None: to the owner only)."""
    created_at: Mapped[datetime]

    user: Mapped[User] = relationship()
