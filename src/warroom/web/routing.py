"""Pages answer in HTML, also when they refuse: the sign-in page for a stranger, an error
page naming the field at fault for bad input, and for htmx requests the same message as a
fragment (or ``HX-Redirect`` to sign in)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from warroom.http.errors import field_path
from warroom.problems import Forbidden, WarroomError
from warroom.web import csrf
from warroom.web.access import SignInRequired
from warroom.web.templating import render


def sign_in_url(request: Request) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET" or request.headers.get("hx-request") == "true":
        target = request.headers.get("hx-current-url") or request.url.path
    return f"/login?next={quote(target, safe='')}"


def error_page(request: Request, status: int, message: str, field: str | None) -> Response:
    return render(
        request,
        "error.html",
        {"status": status, "message": message, "field": field},
        status_code=status,
    )


class PageRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                response = await handler(request)
            except SignInRequired:
                url = sign_in_url(request)
                if request.headers.get("hx-request") == "true":
                    return Response(status_code=204, headers={"HX-Redirect": url})
                return RedirectResponse(url, status_code=303)
            except RequestValidationError as exc:
                first: dict[str, Any] = next(iter(exc.errors()), {})
                field = field_path(first.get("loc", ()))
                message = f"{field}: {first.get('msg', 'is invalid')}"
                if first.get("type") == "missing":
                    message = f"{field} is required"
                return error_page(request, 400, message, field)
            except Forbidden as exc:
                return error_page(request, 403, exc.message, exc.field)
            except WarroomError as exc:
                return error_page(request, exc.status_code, exc.message, exc.field)
            fresh = getattr(request.state, "csrf_fresh", None)
            if fresh:
                csrf.set_cookie(response, fresh, request.url.scheme == "https")
            return response

        return page_handler
