"""Sign in with a password, sign out."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from warroom.auth import sign_in_audit, sign_in_limits, web_sessions
from warroom.auth.permissions import Principal
from warroom.http.deps import NowDep, SessionDep, client_address
from warroom.web import access
from warroom.web.routing import PageRoute
from warroom.web.templating import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)

MAX_FIELD = 1024
WRONG = "wrong username or password"
"""Why a sign-in was refused, in the audit log (whether the user exists is not told)."""


def safe_next(target: str | None) -> str:
    """Only a path of this site (never ``//evil.example`` or a full URL)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/incidents"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target:
        return "/incidents"
    return target


def login_page(
    request: Request,
    next_: str,
    *,
    error: str | None = None,
    username: str = "",
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    oidc = request.app.state.live_config.current.sso
    return render(
        request,
        "login.html",
        {
            "next": next_,
            "error": error,
            "notice": None,
            "username": username,
            "oidc": oidc.name if oidc is not None else None,
        },
        status_code=status_code,
        headers=headers,
    )


@router.get("/")
def home(_caller: Annotated[Principal | None, access.PublicPage]) -> Response:
    return RedirectResponse("/incidents", status_code=303)


@router.get("/login")
def login_form(
    request: Request,
    caller: Annotated[Principal | None, access.PublicPage],
    next: str = "/incidents",
) -> Response:
    if caller is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return login_page(request, safe_next(next))


@router.post("/login")
async def login(
    request: Request,
    session: SessionDep,
    now: NowDep,
    _checked: access.PublicActionDep,
    username: Annotated[str, Form(max_length=MAX_FIELD)],
    password: Annotated[str, Form(max_length=MAX_FIELD)],
    next: Annotated[str, Form(max_length=MAX_FIELD)] = "/incidents",
) -> Response:
    target = safe_next(next)
    limits: sign_in_limits.SignInLimits = request.app.state.sign_in_limits
    keys = sign_in_limits.keys_of(username, client_address(request))
    wait = limits.retry_after(keys, now)
    if wait:
        message = f"Too many failed sign-ins: try again in {wait} seconds."
        return login_page(
            request,
            target,
            error=message,
            username=username,
            status_code=429,
            headers={"Retry-After": str(wait)},
        )

    address = client_address(request)
    request_id = getattr(request.state, "request_id", None)

    def check() -> Response | None:
        user = web_sessions.check_password(session, username, password, now)
        if user is None:
            sign_in_audit.sign_in_failed(
                session, username, "password", WRONG, address, request_id, now
            )
            session.commit()
            return None
        row = web_sessions.start(
            session, user, "password", now, address, request.headers.get("user-agent")
        )
        sign_in_audit.signed_in(session, user.username, "password", address, request_id, now)
        session.commit()
        response = RedirectResponse(target, status_code=303)
        access.set_session_cookie(request, response, request.app.state.web_key, row)
        return response

    response = await run_in_threadpool(check)
    if response is None:
        limits.failed(keys, now)
        return login_page(
            request,
            target,
            error="Wrong username or password.",
            username=username,
            status_code=401,
        )
    limits.succeeded(keys[0])
    return response


@router.post("/logout")
def logout(
    request: Request,
    session: SessionDep,
    now: NowDep,
    _caller: access.AnyActionDep,
) -> Response:
    session_id = getattr(request.state, "session_id", None)
    if session_id is not None:
        row = web_sessions.end(session, session_id, now)
        if row is not None:
            sign_in_audit.signed_out(
                session,
                row.user.username,
                row.method,
                client_address(request),
                getattr(request.state, "request_id", None),
                now,
            )
        session.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(access.SESSION_COOKIE, path="/")
    return response
