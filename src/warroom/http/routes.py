"""The app's routes as FastAPI keeps them: included routers stay their own objects, with
their prefix beside them, so a route's full path is found by walking them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import compile_path

METHOD_TABLE = "warroom_method_table"


def api_routes(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    """Every APIRoute with its full path."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, route
        original = getattr(route, "original_router", None)
        if original is not None:
            context = getattr(route, "include_context", None)
            inner = getattr(context, "prefix", "") or ""
            yield from api_routes(list(original.routes), prefix + inner)


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """Every method some route of ``path`` takes (HEAD with GET), sorted. Starlette names
    only the first route that matched the path, so a path served by a GET route and a POST
    route said only one of them."""
    table: list[tuple[re.Pattern[str], frozenset[str]]] | None = getattr(
        app.state, METHOD_TABLE, None
    )
    if table is None:
        table = [
            (compile_path(full)[0], frozenset(route.methods or ()))
            for full, route in api_routes(list(app.routes))
        ]
        setattr(app.state, METHOD_TABLE, table)
    methods: set[str] = set()
    for regex, taken in table:
        if regex.match(path):
            methods.update(taken)
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)
