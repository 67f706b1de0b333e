"""The Jinja2 environment of the pages: autoescaped, strict about undefined names, and
with asset URLs that carry their content hash (so browsers may cache them forever)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from warroom.clock import as_utc

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")


@cache
def _digest(path: str) -> str:
    return hashlib.sha256((STATIC / path).read_bytes()).hexdigest()[:12]


def static_url(path: str) -> str:
    return f"/static/{path}?v={_digest(path)}"


def when(value: datetime | None) -> str:
    """UTC, to the second: what the timeline and exports use (the browser shows local time
    next to it from the ``datetime`` attribute)."""
    if value is None:
        return "—"
    return as_utc(value).strftime("%Y-%m-%d %H:%M:%S UTC")


def iso(value: datetime | None) -> str:
    return as_utc(value).isoformat() if value is not None else ""


def duration(value: timedelta | float | None) -> str:
    """``1h 05m``, ``3m 20s``, ``45s``; ``—`` when unknown."""
    if value is None:
        return "—"
    total = int(value.total_seconds() if isinstance(value, timedelta) else value)
    sign = "-" if total < 0 else ""
    total = abs(total)
    days, rest = divmod(total, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{sign}{days}d {hours}h"
    if hours:
        return f"{sign}{hours}h {minutes:02d}m"
    if minutes:
        return f"{sign}{minutes}m {secs:02d}s"
    return f"{sign}{secs}s"


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(("html", "xml")),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["static_url"] = static_url
    env.filters["when"] = when
    env.filters["iso"] = iso
    env.filters["duration"] = duration
    return env


ENVIRONMENT = _environment()


def render_text(name: str, context: Mapping[str, Any]) -> str:
    return ENVIRONMENT.get_template(name).render(context)


def render(
    request: Request,
    name: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """The page ``name`` with the request's common context: the signed-in caller, the CSRF
    token of its forms, and whether htmx asked for a fragment."""
    base = {
        "request": request,
        "principal": getattr(request.state, "principal", None),
        "csrf_token": getattr(request.state, "csrf_token", ""),
        "htmx": request.headers.get("hx-request") == "true",
        "path": request.url.path,
    }
    body = render_text(name, {**base, **(context or {})})
    return HTMLResponse(body, status_code=status_code, headers=dict(headers or {}))
