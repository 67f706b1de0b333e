"""Every error is JSON: ``{"error": {"code", "message", "field"?}}``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from warroom.auth.permissions import Permission
from warroom.db.outage import RETRY_AFTER_SECONDS, Outage, is_unavailable
from warroom.http import deps
from warroom.http.routes import allowed_methods
from warroom.observability.middleware import BodyTooLarge
from warroom.problems import Forbidden, Unauthorized, WarroomError

log = structlog.get_logger("warroom.api")

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    503: "unavailable",
}


def error_response(
    status: int,
    code: str,
    message: str,
    field: str | None = None,
    headers: dict[str, str] | None = None,
    details: list[dict[str, Any]] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if field is not None:
        body["field"] = field
    if details:
        body["details"] = details
    return JSONResponse({"error": body}, status_code=status, headers=headers)


def field_path(loc: Sequence[int | str]) -> str:
    """``("body", "services", 1)`` → ``services[1]``; the body/query/path prefix is dropped."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "body"


def _message(error: dict[str, Any], field: str) -> str:
    kind = error.get("type", "")
    if kind == "missing":
        return f"{field} is required"
    if kind == "extra_forbidden":
        return f"{field} is not a known field"
    return f"{field}: {error.get('msg', 'is invalid')}"


def _needed(request: Request) -> Permission | None:
    """The permission the matched route declares (None: public)."""
    dependant = getattr(request.scope.get("route"), "dependant", None)
    pending = [dependant] if dependant is not None else []
    while pending:
        current = pending.pop()
        permission = deps.declared_permission(current.call)
        if permission is not None and permission is not Permission.PUBLIC:
            return permission
        pending.extend(current.dependencies)
    return None


async def _refuse_stranger(request: Request) -> JSONResponse | None:
    """The 401 or 403 the route would answer. FastAPI parses the JSON body before it
    resolves dependencies, so without this a caller without a valid token would get a 400."""
    permission = _needed(request)
    if permission is None:
        return None
    credentials = await deps.bearer(request)

    def authenticate() -> None:
        with request.app.state.session_factory() as session:
            principal = deps.bearer_principal(request, session, deps.get_now(request), credentials)
            deps.refuse(principal, permission)

    try:
        await run_in_threadpool(authenticate)
    except (Unauthorized, Forbidden) as exc:
        return await _domain(request, exc)
    return None


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    for error in errors:
        if error.get("type") == "json_invalid":
            refused = await _refuse_stranger(request)
            if refused is not None:
                return refused
            ctx = error.get("ctx", {})
            detail = ctx.get("error", "malformed JSON") if isinstance(ctx, dict) else "malformed"
            return error_response(
                400, "invalid_json", f"request body is not valid JSON: {detail}", field="body"
            )
    details = []
    for error in errors:
        field = field_path(error.get("loc", ()))
        details.append({"field": field, "message": _message(error, field)})
    first = details[0] if details else {"field": "body", "message": "invalid request"}
    return error_response(422, "invalid", first["message"], first["field"], details=details)


async def _domain(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, WarroomError)
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthorized) else None
    return error_response(exc.status_code, exc.code, exc.message, exc.field, headers)


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if isinstance(exc.__cause__, BodyTooLarge):
        # A body without Content-Length ran over the limit while FastAPI was reading it.
        limit = request.app.state.settings.max_body_bytes
        return error_response(
            413, "payload_too_large", f"request body exceeds {limit} bytes", field="body"
        )
    code = HTTP_CODES.get(exc.status_code, "error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    headers = dict(exc.headers) if exc.headers else None
    if exc.status_code == 405:
        allow = ", ".join(allowed_methods(request.app, request.url.path))
        headers = {**(headers or {}), "Allow": allow}
    return error_response(exc.status_code, code, message, headers=headers)


API_OUTAGE = Outage("api")
DATABASE_ERRORS = (sa_exc.DBAPIError, sa_exc.DisconnectionError, sa_exc.TimeoutError)
"""What SQLAlchemy raises when the database is away (and for some bugs: see ``_database``)."""


async def _database(request: Request, exc: Exception) -> JSONResponse:
    """A database error: 503 with ``Retry-After`` if the database is away (logged once per
    outage, not per request), else a 500 like any other unexpected error. Registered for
    the database's exception classes so that the answer is made inside the app (the
    catch-all ``Exception`` handler runs in Starlette's outer middleware, which logs a
    traceback and re-raises after answering)."""
    if is_unavailable(exc):
        API_OUTAGE.failed(exc, path=request.url.path)
        retry = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        message = "the database is unavailable; retry later"
        return error_response(503, "unavailable", message, headers=retry)
    return await _unexpected(request, exc)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    if is_unavailable(exc):
        return await _database(request, exc)
    log.exception("unhandled_error", path=request.url.path, error=repr(exc))
    return error_response(500, "internal", "internal error; the request id is in the logs")


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(WarroomError, _domain)
    app.add_exception_handler(StarletteHTTPException, _http)
    for database_error in DATABASE_ERRORS:
        app.add_exception_handler(database_error, _database)
    app.add_exception_handler(Exception, _unexpected)
