"""OpenID Connect sign-in: the authorization-code flow with PKCE (RFC 7636), the ID token
checked against the provider's keys (signature, issuer, audience, expiry, nonce), and the
groups claim mapped to team memberships and a role.

The discovery document and the key set are fetched once and kept for ``CACHE_SECONDS``
(the keys are fetched again at once when a token names a key id they lack: rotation).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.auth import service as auth_service
from warroom.auth.models import TeamMembership, User, UserRole
from warroom.config.sso import SsoSettings
from warroom.problems import Forbidden, InvalidInput, WarroomError

CACHE_SECONDS = 3600.0
HTTP_TIMEOUT_SECONDS = 10.0
CLOCK_SKEW_SECONDS = 60
ALLOWED_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"]


class ProviderUnavailable(WarroomError):
    status_code = 502
    code = "sso_unavailable"


@dataclass
class _Cached:
    at: float
    value: Any


@dataclass
class OidcClient:
    """One provider's endpoints and keys, fetched on first use."""

    settings: SsoSettings
    client_secret: str | None
    redirect_uri: str
    transport: httpx.BaseTransport | None = None
    _discovery: _Cached | None = field(default=None, repr=False)
    _keys: _Cached | None = field(default=None, repr=False)

    def _get(self, url: str) -> Any:
        try:
            with httpx.Client(timeout=HTTP_TIMEOUT_SECONDS, transport=self.transport) as client:
                response = client.get(url)
                response.raise_for_status()
                return response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ProviderUnavailable(f"the identity provider did not answer {url}: {exc}") from exc

    def discovery(self) -> dict[str, Any]:
        if self._discovery is None or time.monotonic() - self._discovery.at > CACHE_SECONDS:
            issuer = self.settings.issuer.rstrip("/")
            document = self._get(f"{issuer}/.well-known/openid-configuration")
            if not isinstance(document, dict) or document.get("issuer", "").rstrip("/") != issuer:
                raise ProviderUnavailable(
                    f"the discovery document of {issuer} names another issuer"
                )
            self._discovery = _Cached(time.monotonic(), document)
        value: dict[str, Any] = self._discovery.value
        return value

    def keys(self, refresh: bool = False) -> KeySet:
        if refresh or self._keys is None or time.monotonic() - self._keys.at > CACHE_SECONDS:
            self._keys = _Cached(
                time.monotonic(), KeySet.import_key_set(self._get(self.discovery()["jwks_uri"]))
            )
        value: KeySet = self._keys.value
        return value

    def authorization_url(self, state: str, nonce: str, verifier: str) -> str:
        scopes = ["openid", *[s for s in self.settings.scopes if s != "openid"]]
        params = {
            "response_type": "code",
            "client_id": self.settings.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": " ".join(scopes),
            "state": state,
            "nonce": nonce,
            "code_challenge": create_s256_code_challenge(verifier),
            "code_challenge_method": "S256",
        }
        return f"{self.discovery()['authorization_endpoint']}?{urlencode(params)}"

    def exchange(self, code: str, verifier: str) -> str:
        """The ID token the code buys (client_secret_basic, or a public client)."""
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.redirect_uri,
            "code_verifier": verifier,
        }
        headers = {}
        if self.client_secret:
            pair = f"{self.settings.client_id}:{self.client_secret}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
        else:
            data["client_id"] = self.settings.client_id
        try:
            with httpx.Client(timeout=HTTP_TIMEOUT_SECONDS, transport=self.transport) as client:
                response = client.post(
                    self.discovery()["token_endpoint"], data=data, headers=headers
                )
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(f"the token endpoint did not answer: {exc}") from exc
        if response.status_code != 200:
            raise Forbidden(
                f"the identity provider refused the sign-in code ({response.status_code})",
                field="code",
            )
        token = response.json().get("id_token")
        if not isinstance(token, str):
            raise Forbidden("the identity provider sent no ID token", field="id_token")
        return token

    def claims(self, id_token: str, nonce: str, now: datetime) -> dict[str, Any]:
        """The ID token's claims, after every check OpenID Connect Core §3.1.3.7 asks."""
        try:
            try:
                token = jwt.decode(id_token, self.keys(), algorithms=ALLOWED_ALGORITHMS)
            except (JoseError, ValueError):
                token = jwt.decode(id_token, self.keys(refresh=True), algorithms=ALLOWED_ALGORITHMS)
            registry = jwt.JWTClaimsRegistry(
                now=int(now.timestamp()),
                leeway=CLOCK_SKEW_SECONDS,
                iss={"essential": True, "value": self.discovery()["issuer"]},
                aud={"essential": True, "value": self.settings.client_id},
                exp={"essential": True},
                sub={"essential": True},
                nonce={"essential": True, "value": nonce},
            )
            registry.validate(token.claims)
        except (JoseError, ValueError) as exc:
            raise Forbidden(f"the ID token is not valid: {exc}", field="id_token") from exc
        claims: dict[str, Any] = dict(token.claims)
        return claims


def create_s256_code_challenge(verifier: str) -> str:
    """RFC 7636 §4.2: BASE64URL(SHA256(ASCII(code_verifier))), unpadded."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def new_flow() -> dict[str, str]:
    """State, nonce and PKCE verifier of one sign-in (kept in a signed cookie meanwhile)."""
    return {
        "state": secrets.token_urlsafe(24),
        "nonce": secrets.token_urlsafe(24),
        "verifier": secrets.token_urlsafe(48),
    }


@dataclass(frozen=True)
class Mapped:
    teams: list[str]
    role: UserRole | None
    matched: bool


def map_groups(settings: SsoSettings, groups: list[str]) -> Mapped:
    teams: set[str] = set()
    role: UserRole | None = None
    matched = False
    for mapping in settings.groups:
        if mapping.group not in groups:
            continue
        matched = True
        teams.update(mapping.teams)
        if mapping.role is not None:
            candidate = UserRole(mapping.role)
            role = candidate if role is None or candidate.rank > role.rank else role
    return Mapped(sorted(teams), role, matched)


def _groups(claims: dict[str, Any], name: str) -> list[str]:
    value = claims.get(name, [])
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if isinstance(value, list) else []


def sign_in(session: Session, settings: SsoSettings, claims: dict[str, Any], now: datetime) -> User:
    """The warroom user of these claims: found by subject, else by username (then linked),
    else created; its role and team memberships set from the groups at every sign-in."""
    subject = str(claims["sub"])
    username = claims.get(settings.username_claim)
    if not isinstance(username, str) or not username.strip():
        raise InvalidInput(
            f"the ID token has no {settings.username_claim} claim to name the user",
            field=settings.username_claim,
        )
    username = username.strip().lower()[:64]
    mapped = map_groups(settings, _groups(claims, settings.groups_claim))
    if settings.groups and not mapped.matched and not settings.allow_unmapped:
        raise Forbidden(f"{username} is in none of the groups that may sign in", field="groups")
    role = mapped.role or UserRole(settings.default_role)
    user = session.scalar(select(User).where(User.oidc_subject == subject))
    if user is None:
        user = session.scalar(select(User).where(User.username == username))
        if user is not None and user.oidc_subject is not None:
            raise Forbidden(
                f"user {username} is linked to another identity of the provider", field="sub"
            )
    if user is None:
        user = auth_service.create_user(
            session,
            username,
            role,
            now,
            email=claims.get("email") if isinstance(claims.get("email"), str) else None,
            display_name=claims.get("name") if isinstance(claims.get("name"), str) else None,
        )
    if user.disabled_at is not None:
        raise Forbidden(f"user {user.username} is disabled", field="username")
    user.oidc_subject = subject
    if settings.groups:
        user.role = role
        wanted = set(mapped.teams)
        for membership in list(user.memberships):
            if membership.team not in wanted:
                user.memberships.remove(membership)
        have = {m.team for m in user.memberships}
        for team in sorted(wanted - have):
            user.memberships.append(TeamMembership(team=team))
    session.flush()
    return user
