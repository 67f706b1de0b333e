"""Sign-in with OpenID Connect (authorization-code flow with PKCE) and how the identity
provider's groups become warroom team memberships and roles."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import StrictModel
from .values import HttpUrlStr, NonEmptyStr, Slug

RoleName = Literal["viewer", "responder", "team_manager", "admin"]
ROLE_NAMES: tuple[RoleName, ...] = ("viewer", "responder", "team_manager", "admin")


class GroupMapping(StrictModel):
    """Members of the identity provider's ``group`` join ``teams`` and get at least
    ``role``."""

    group: NonEmptyStr = Field(description="A value of the groups claim, e.g. sre-payments.")
    teams: list[Slug] = Field(default_factory=list, description="Team slugs the group joins.")
    role: RoleName | None = Field(
        None,
        description="viewer, responder, team_manager or admin; the highest role of the "
        "user's groups wins.",
    )


class SsoSettings(StrictModel):
    """One OpenID Connect provider (Keycloak, Okta, Entra ID, Google, Dex, ...)."""

    name: NonEmptyStr = Field("SSO", description="Shown on the sign-in button.")
    issuer: HttpUrlStr = Field(
        description="The issuer URL; its /.well-known/openid-configuration is read."
    )
    client_id: NonEmptyStr = Field(description="The client id registered at the provider.")
    client_secret_env: NonEmptyStr = Field(
        "WARROOM_OIDC_CLIENT_SECRET",
        description="The environment variable holding the client secret (never the config).",
    )
    scopes: list[NonEmptyStr] = Field(
        default_factory=lambda: ["openid", "profile", "email"],
        description="Scopes to ask for; openid is always asked.",
    )
    username_claim: NonEmptyStr = Field(
        "preferred_username", description="The claim that names the warroom user."
    )
    groups_claim: NonEmptyStr = Field("groups", description="The claim listing the groups.")
    groups: list[GroupMapping] = Field(
        default_factory=list, description="Group → teams and role, for every sign-in."
    )
    default_role: RoleName = Field(
        "viewer", description="The role of a user none of whose groups names one."
    )
    allow_unmapped: bool = Field(
        True, description="Whether a user in none of the mapped groups may sign in."
    )
