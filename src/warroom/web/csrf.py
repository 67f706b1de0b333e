"""CSRF protection for every form and htmx request of the pages.

Each browser gets a random ``warroom_csrf`` cookie (HttpOnly, SameSite=Lax); the token in its
forms (``csrf_token`` field, or the ``X-CSRF-Token`` header htmx sends) is the HMAC of that
cookie under the app's key. Another site can neither read the cookie nor compute the token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from starlette.requests import Request
from starlette.responses import Response

from warroom.problems import Forbidden

COOKIE = "warroom_csrf"
FIELD = "csrf_token"
HEADER = "x-csrf-token"
COOKIE_BYTES = 32


def token_for(key: bytes, cookie: str) -> str:
    return hmac.new(key, b"csrf:" + cookie.encode(), hashlib.sha256).hexdigest()


def prepare(request: Request, key: bytes) -> str | None:
    """The request's form token (in ``request.state.csrf_token``); returns a new cookie
    value to set when the browser has none yet."""
    cookie = request.cookies.get(COOKIE)
    fresh = None
    if not cookie or len(cookie) > 2 * COOKIE_BYTES:
        cookie = fresh = secrets.token_urlsafe(COOKIE_BYTES)
    request.state.csrf_cookie = cookie
    request.state.csrf_token = token_for(key, cookie)
    return fresh


def set_cookie(response: Response, value: str, secure: bool) -> None:
    response.set_cookie(COOKIE, value, httponly=True, samesite="lax", secure=secure, path="/")


async def check(request: Request, key: bytes) -> None:
    """403 unless the request carries the token of its own cookie."""
    cookie = request.cookies.get(COOKIE)
    sent = request.headers.get(HEADER)
    if sent is None:
        form = await request.form()
        value = form.get(FIELD)
        sent = value if isinstance(value, str) else None
    if not cookie or not sent or not hmac.compare_digest(sent, token_for(key, cookie)):
        raise Forbidden(
            "the form's CSRF token is missing or stale: reload the page and try again",
            field=FIELD,
        )
