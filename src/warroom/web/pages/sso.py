"""Sign-in with the configured OpenID Connect provider."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from warroom.auth import oidc, sign_in_audit, signing, web_sessions
from warroom.auth.permissions import Principal
from warroom.config.sso import SsoSettings
from warroom.http.deps import NowDep, SessionDep, client_address
from warroom.problems import Forbidden, NotFound
from warroom.web import access
from warroom.web.pages.sign_in import safe_next
from warroom.web.routing import PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)

FLOW_COOKIE = "warroom_oidc"
FLOW_PURPOSE = "oidc-flow"
FLOW_LIFETIME = timedelta(minutes=10)
CALLBACK = "/login/oidc/callback"


def client(request: Request) -> tuple[SsoSettings, oidc.OidcClient]:
    settings = request.app.state.live_config.current.sso
    if settings is None:
        raise NotFound("single sign-on is not configured (sso: in the configuration)")
    cached: oidc.OidcClient | None = getattr(request.app.state, "oidc_client", None)
    if cached is None or cached.settings is not settings:
        public = request.app.state.settings.public_url.rstrip("/")
        cached = oidc.OidcClient(
            settings,
            os.environ.get(settings.client_secret_env) or None,
            f"{public}{CALLBACK}",
            transport=getattr(request.app.state, "oidc_transport", None),
        )
        request.app.state.oidc_client = cached
    return settings, cached


@router.get("/login/oidc")
async def start(
    request: Request,
    now: NowDep,
    _caller: Annotated[Principal | None, access.PublicPage],
    next: Annotated[str, Query(max_length=1024)] = "/incidents",
) -> Response:
    _settings, provider = client(request)
    flow = oidc.new_flow()
    url = await run_in_threadpool(
        provider.authorization_url, flow["state"], flow["nonce"], flow["verifier"]
    )
    cookie = signing.sign(
        request.app.state.web_key,
        FLOW_PURPOSE,
        {**flow, "next": safe_next(next)},
        now + FLOW_LIFETIME,
    )
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        FLOW_COOKIE,
        cookie,
        max_age=int(FLOW_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=access.secure_cookies(request),
        path="/login/oidc",
    )
    return response


@router.get(CALLBACK)
async def callback(
    request: Request,
    session: SessionDep,
    now: NowDep,
    _caller: Annotated[Principal | None, access.PublicPage],
    code: Annotated[str | None, Query(max_length=4096)] = None,
    state: Annotated[str | None, Query(max_length=512)] = None,
    error: Annotated[str | None, Query(max_length=512)] = None,
) -> Response:
    settings, provider = client(request)
    if error is not None:
        raise Forbidden(f"the identity provider refused the sign-in: {error}", field="error")
    try:
        flow: dict[str, Any] = signing.verify(
            request.app.state.web_key, FLOW_PURPOSE, request.cookies.get(FLOW_COOKIE, ""), now
        )
    except signing.BadSignature:
        raise Forbidden(
            "the sign-in took too long or was started elsewhere: try again", field="state"
        ) from None
    if not code or not state or state != flow.get("state"):
        raise Forbidden("the sign-in's state does not match: try again", field="state")

    def finish() -> Response:
        id_token = provider.exchange(code, str(flow["verifier"]))
        claims = provider.claims(id_token, str(flow["nonce"]), now)
        address = client_address(request)
        try:
            user = oidc.sign_in(session, settings, claims, now)
        except Forbidden as exc:
            # The provider vouched for this person but warroom refuses them (no group that may
            # sign in, disabled, linked to another identity): recorded, then refused.
            session.rollback()
            who = str(claims.get(settings.username_claim) or claims.get("sub") or "unknown")
            request_id = getattr(request.state, "request_id", None)
            sign_in_audit.sign_in_failed(
                session, who, "oidc", exc.message, address, request_id, now
            )
            session.commit()
            raise
        row = web_sessions.start(
            session, user, "oidc", now, address, request.headers.get("user-agent")
        )
        request_id = getattr(request.state, "request_id", None)
        sign_in_audit.signed_in(session, user.username, "oidc", address, request_id, now)
        session.commit()
        response = RedirectResponse(safe_next(str(flow.get("next", ""))), status_code=303)
        access.set_session_cookie(request, response, request.app.state.web_key, row)
        response.delete_cookie(FLOW_COOKIE, path="/login/oidc")
        return response

    return await run_in_threadpool(finish)
