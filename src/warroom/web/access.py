"""Who is looking at a page: the signed session cookie, resumed from its row, and the
permission each page and form declares (``page(...)`` for pages, ``action(...)`` for forms,
which also checks the CSRF token)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated

from fastapi import Depends
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from warroom.auth import signing, web_sessions
from warroom.auth.models import WebSession
from warroom.auth.permissions import Permission, Principal
from warroom.http.deps import (
    PERMISSION_ATTRIBUTE,
    PRINCIPAL_KEY,
    NowDep,
    SessionDep,
    client_address,
    refuse,
)
from warroom.web import csrf

SESSION_COOKIE = "warroom_session"
SESSION_PURPOSE = "web-session"


class SignInRequired(Exception):
    """No live session: the page answers with the sign-in page (or tells htmx to go there)."""


def web_key(request: Request, session: Session, now: datetime) -> bytes:
    """The key that signs session cookies and CSRF tokens (``WARROOM_SECRET_KEY``, else the
    one warroom made and keeps in its database), read once per process."""
    key: bytes | None = getattr(request.app.state, "web_key", None)
    if key is None:
        key = signing.signing_key(session, now, request.app.state.settings.secret_key)
        session.commit()
        request.app.state.web_key = key
    return key


def secure_cookies(request: Request) -> bool:
    public: str = request.app.state.settings.public_url
    return request.url.scheme == "https" or public.startswith("https://")


def session_cookie(key: bytes, row: WebSession) -> str:
    return signing.sign(key, SESSION_PURPOSE, {"s": row.id}, None)


def set_session_cookie(request: Request, response: Response, key: bytes, row: WebSession) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        session_cookie(key, row),
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
        path="/",
    )


def session_id(request: Request, key: bytes, now: datetime) -> str | None:
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    try:
        data = signing.verify(key, SESSION_PURPOSE, cookie, now)
    except signing.BadSignature:
        return None
    value = data.get("s")
    return value if isinstance(value, str) else None


def authenticate(request: Request, session: Session, now: datetime) -> Principal | None:
    """The signed-in caller, or None; also prepares the CSRF token of the page's forms."""
    key = web_key(request, session, now)
    request.state.csrf_fresh = csrf.prepare(request, key)
    found = session_id(request, key, now)
    row = web_sessions.resume(session, found, now) if found else None
    if row is None:
        session.commit()
        return None
    principal = web_sessions.principal(row, client_address(request))
    session.commit()
    request.state.principal = principal
    request.state.user = principal.user.username
    request.state.session_id = row.id
    session.info[PRINCIPAL_KEY] = principal
    return principal


def page(permission: Permission) -> Callable[..., Principal]:
    """A page's dependency: the caller, signed in and allowed ``permission``."""

    def dependency(request: Request, session: SessionDep, now: NowDep) -> Principal:
        principal = authenticate(request, session, now)
        if principal is None:
            raise SignInRequired
        refuse(principal, permission)
        return principal

    dependency.__name__ = f"page_{permission.value}"
    setattr(dependency, PERMISSION_ATTRIBUTE, permission)
    return dependency


def public_page(request: Request, session: SessionDep, now: NowDep) -> Principal | None:
    """A page anyone may see (sign-in): the caller if signed in."""
    return authenticate(request, session, now)


setattr(public_page, PERMISSION_ATTRIBUTE, Permission.PUBLIC)


def action(permission: Permission) -> Callable[..., Awaitable[Principal]]:
    """A form's dependency: signed in, the CSRF token right, and ``permission`` allowed."""

    async def dependency(request: Request, session: SessionDep, now: NowDep) -> Principal:
        principal = await run_in_threadpool(authenticate, request, session, now)
        if principal is None:
            raise SignInRequired
        await csrf.check(request, request.app.state.web_key)
        refuse(principal, permission)
        return principal

    dependency.__name__ = f"action_{permission.value}"
    setattr(dependency, PERMISSION_ATTRIBUTE, permission)
    setattr(dependency, CSRF_ATTRIBUTE, True)
    return dependency


async def public_action(request: Request, session: SessionDep, now: NowDep) -> None:
    """A form anyone may post (sign-in): only the CSRF token is checked."""
    await run_in_threadpool(authenticate, request, session, now)
    await csrf.check(request, request.app.state.web_key)


CSRF_ATTRIBUTE = "warroom_csrf"
setattr(public_action, PERMISSION_ATTRIBUTE, Permission.PUBLIC)
setattr(public_action, CSRF_ATTRIBUTE, True)


PublicPage = Depends(public_page)
PublicActionDep = Annotated[None, Depends(public_action)]
ReaderPage = Annotated[Principal, Depends(page(Permission.READ))]
ResponderPage = Annotated[Principal, Depends(page(Permission.RESPOND))]
AdminPage = Annotated[Principal, Depends(page(Permission.ADMIN))]
AnyActionDep = Annotated[Principal, Depends(action(Permission.READ))]
"""Signed in, any role (signing out)."""
ResponderAction = Annotated[Principal, Depends(action(Permission.RESPOND))]
ManagerAction = Annotated[Principal, Depends(action(Permission.MANAGE_TEAM))]
AdminAction = Annotated[Principal, Depends(action(Permission.ADMIN))]
