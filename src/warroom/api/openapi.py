"""The OpenAPI document says every refusal an operation can answer, not only its success.

FastAPI documents a route's success and its 422. The refusals every route shares come from
what the route declares, so they are added here, once, from the same facts the server acts
on:

- a route that declares a permission (``warroom.http.deps.require``) answers **401** without
  a valid bearer token, and **403** when the permission needs more than the lowest role (or
  a team the caller does not manage);
- a route with a path parameter answers **404** when what it names does not exist;
- a route that takes a JSON body answers **400** when the body is not JSON at all (and
  FastAPI's **422** when it is JSON of the wrong shape);
- every ``/api/v1`` route answers **503** with ``Retry-After`` while the database is away;
- a route given ``responses=`` of its own (409, 429, ...) keeps them.

Every refusal has the one error shape of ``warroom.http.errors``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from warroom.auth.models import ROLE_ORDER
from warroom.auth.permissions import MINIMUM_ROLE, Permission
from warroom.http.deps import declared_permission
from warroom.http.routes import api_routes

ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "Stable, machine-readable."},
                "message": {"type": "string", "description": "What is wrong, for people."},
                "field": {"type": "string", "description": "The input at fault, if one is."},
                "details": {"type": "array", "items": {"type": "object"}},
            },
        }
    },
}
ERROR_REF = {"$ref": "#/components/schemas/Error"}
REFUSALS = {
    "400": "The body is not valid JSON.",
    "401": "No bearer token, or one that is unknown, expired or revoked.",
    "403": "The token's role (or team scope) does not allow this.",
    "404": "What the path names does not exist.",
    "503": "The database is unavailable (see Retry-After); nothing was done.",
}


def route_permission(route: APIRoute) -> Permission | None:
    """The permission a route declares (the strictest one among its dependencies)."""
    pending: list[Any] = [route.dependant]
    found: Permission | None = None
    while pending:
        current = pending.pop()
        permission = declared_permission(current.call)
        if permission is not None:
            found = permission if found is None else max(found, permission, key=permission_rank)
        pending.extend(current.dependencies)
    return found


def permission_rank(permission: Permission) -> int:
    role = MINIMUM_ROLE[permission]
    return -1 if role is None else role.rank


def refusals_of(path: str, route: APIRoute) -> list[str]:
    """The shared refusals ``route`` can answer, as status codes."""
    codes: list[str] = []
    if route.body_field is not None:
        codes.append("400")
    permission = route_permission(route)
    if permission is not None:
        codes.append("401")
        needed = MINIMUM_ROLE[permission]
        if needed is not None and (
            needed.rank > ROLE_ORDER[0].rank or permission is Permission.MANAGE_TEAM
        ):
            codes.append("403")
    if "{" in path:
        codes.append("404")
    if path.startswith("/api/v1/"):
        codes.append("503")
    return codes


def add_refusals(schema: dict[str, Any], app: FastAPI) -> None:
    """Add the shared refusals to every operation of ``schema`` (made from ``app``)."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    paths: dict[str, dict[str, Any]] = schema.get("paths", {})
    for path, route in api_routes(list(app.routes)):
        if not route.include_in_schema or path not in paths:
            continue
        for method in route.methods or ():
            operation = paths[path].get(method.lower())
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            for code in refusals_of(path, route):
                responses.setdefault(
                    code,
                    {
                        "description": REFUSALS[code],
                        "content": {"application/json": {"schema": ERROR_REF}},
                    },
                )


def install(app: FastAPI) -> None:
    """Make ``app.openapi()`` give the document with every shared refusal added."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            add_refusals(generate(), app)
        assert app.openapi_schema is not None
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
