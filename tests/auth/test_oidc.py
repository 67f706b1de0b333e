"""OpenID Connect: the ID token's checks and how claims become a user, teams and a role.
(The whole flow against the real oidc-provider is tests/e2e/test_web_app.py.)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey
from sqlalchemy import Engine

from warroom.auth import oidc
from warroom.auth.models import UserRole
from warroom.config.sso import SsoSettings
from warroom.db.engine import make_session_factory
from warroom.problems import Forbidden

ISSUER = "https://id.example.test"
NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"})
OTHER_KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"})


def settings(**extra: Any) -> SsoSettings:
    return SsoSettings.model_validate(
        {
            "issuer": ISSUER,
            "client_id": "warroom",
            "groups": [
                {"group": "sre", "teams": ["payments"], "role": "team_manager"},
                {"group": "devs", "teams": ["checkout"], "role": "responder"},
            ],
            **extra,
        }
    )


def provider(request: httpx.Request) -> httpx.Response:
    if request.url.path == "/.well-known/openid-configuration":
        return httpx.Response(
            200,
            json={
                "issuer": ISSUER,
                "authorization_endpoint": f"{ISSUER}/auth",
                "token_endpoint": f"{ISSUER}/token",
                "jwks_uri": f"{ISSUER}/jwks",
            },
        )
    if request.url.path == "/jwks":
        return httpx.Response(200, json={"keys": [KEY.as_dict(private=False)]})
    return httpx.Response(404)


def client() -> oidc.OidcClient:
    return oidc.OidcClient(
        settings(), "secret", "http://127.0.0.1/cb", transport=httpx.MockTransport(provider)
    )


def token(key: RSAKey = KEY, **claims: Any) -> str:
    body = {
        "iss": ISSUER,
        "aud": "warroom",
        "sub": "u-1",
        "nonce": "n-1",
        "iat": int(NOW.timestamp()),
        "exp": int((NOW + timedelta(minutes=5)).timestamp()),
        "preferred_username": "olga",
        **claims,
    }
    return jwt.encode({"alg": "RS256", "kid": "k1"}, body, key)


def test_a_good_id_token_gives_its_claims() -> None:
    claims = client().claims(token(groups=["sre"]), "n-1", NOW)
    assert claims["sub"] == "u-1"
    assert claims["groups"] == ["sre"]


@pytest.mark.parametrize(
    ("bad", "nonce"),
    [
        ({"aud": "someone-else"}, "n-1"),
        ({"iss": "https://evil.example"}, "n-1"),
        ({"exp": int((NOW - timedelta(minutes=5)).timestamp())}, "n-1"),
        ({}, "another-nonce"),
    ],
)
def test_an_id_token_for_another_client_issuer_time_or_sign_in_is_refused(
    bad: dict[str, Any], nonce: str
) -> None:
    with pytest.raises(Forbidden) as refused:
        client().claims(token(**bad), nonce, NOW)
    assert refused.value.field == "id_token"


def test_an_id_token_signed_with_another_key_is_refused() -> None:
    with pytest.raises(Forbidden):
        client().claims(token(OTHER_KEY), "n-1", NOW)


def test_the_pkce_challenge_is_rfc_7636s() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert (
        oidc.create_s256_code_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )


def test_groups_give_the_highest_role_and_every_team() -> None:
    mapped = oidc.map_groups(settings(), ["devs", "sre", "other"])
    assert mapped.role is UserRole.TEAM_MANAGER
    assert mapped.teams == ["checkout", "payments"]


def test_sign_in_creates_then_updates_the_user_from_the_groups(engine: Engine) -> None:
    from warroom.db.migrate import upgrade

    upgrade(engine)
    factory = make_session_factory(engine)
    with factory() as session:
        user = oidc.sign_in(
            session,
            settings(),
            {"sub": "u-1", "preferred_username": "Olga", "groups": ["sre"]},
            NOW,
        )
        session.commit()
        assert (user.username, user.role, user.teams) == (
            "olga",
            UserRole.TEAM_MANAGER,
            ["payments"],
        )
    with factory() as session:
        user = oidc.sign_in(
            session,
            settings(),
            {"sub": "u-1", "preferred_username": "olga", "groups": ["devs"]},
            NOW,
        )
        session.commit()
        assert (user.role, user.teams) == (UserRole.RESPONDER, ["checkout"])


def test_an_unmapped_user_is_refused_when_the_config_says_so(engine: Engine) -> None:
    from warroom.db.migrate import upgrade

    upgrade(engine)
    with make_session_factory(engine)() as session, pytest.raises(Forbidden) as refused:
        oidc.sign_in(
            session,
            settings(allow_unmapped=False),
            {"sub": "u-2", "preferred_username": "mallory", "groups": ["nobody"]},
            NOW,
        )
    assert refused.value.field == "groups"
