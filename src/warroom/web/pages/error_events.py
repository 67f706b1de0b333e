"""What the issue page shows of one kept event: its exception chain with stack frames and
source context, breadcrumbs, user, request and contexts, read from the normalised event
body (``errors/normalize.py``) as plain values the templates print (autoescaped)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from warroom.clock import as_utc

MAX_VALUE_CHARS = 2_000
"""A value printed longer than this is cut (the full event stays in the API)."""
MAX_FRAMES = 200
"""Frames shown per stack trace: the most recent ones."""


def text(value: Any) -> str:
    """A JSON value as one line of text: strings as they are, the rest as compact JSON."""
    if isinstance(value, str):
        shown = value
    else:
        try:
            shown = orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
        except TypeError:
            shown = repr(value)
    if len(shown) > MAX_VALUE_CHARS:
        return shown[:MAX_VALUE_CHARS] + "…"
    return shown


def pairs(value: Any) -> list[tuple[str, str]]:
    """An object or a list of ``[key, value]`` pairs (headers, cookies) as printable pairs."""
    if isinstance(value, dict):
        return [(str(k), text(v)) for k, v in value.items()]
    if isinstance(value, list):
        found = []
        for item in value:
            if isinstance(item, list | tuple) and len(item) == 2:
                found.append((text(item[0]), text(item[1])))
        return found
    return []


@dataclass(frozen=True)
class SourceLine:
    number: int | None
    code: str
    current: bool


@dataclass(frozen=True)
class Frame:
    function: str
    location: str
    """``app/views.py`` (the filename, else the module, else the absolute path)."""
    module: str
    lineno: int | None
    colno: int | None
    in_app: bool
    source: list[SourceLine]
    variables: list[tuple[str, str]]


@dataclass(frozen=True)
class StackTrace:
    frames: list[Frame]
    """Most recent call first."""
    omitted: int
    """Older frames left out (past ``MAX_FRAMES``)."""

    @property
    def has_app_frames(self) -> bool:
        return any(f.in_app for f in self.frames)


@dataclass(frozen=True)
class ExceptionView:
    type: str
    value: str
    module: str
    mechanism: str
    handled: bool | None
    stacktrace: StackTrace | None


@dataclass(frozen=True)
class Crumb:
    at: datetime | None
    type: str
    category: str
    level: str
    message: str
    data: list[tuple[str, str]]


@dataclass
class EventView:
    message: str
    exceptions: list[ExceptionView]
    """Most recent first: the exception raised last, then the ones it was raised from."""
    stacktrace: StackTrace | None
    """A stack trace outside an exception (a message with ``attach_stacktrace``, or the
    crashed thread's)."""
    breadcrumbs: list[Crumb]
    tags: list[tuple[str, str]]
    user: list[tuple[str, str]]
    request: dict[str, Any]
    contexts: list[tuple[str, list[tuple[str, str]]]]
    extra: list[tuple[str, str]]
    sdk: str
    fingerprint: list[str] = field(default_factory=list)


def _lines(frame: dict[str, Any]) -> list[SourceLine]:
    context = frame.get("context_line")
    if not isinstance(context, str):
        return []
    pre = [line for line in frame.get("pre_context") or () if isinstance(line, str)]
    post = [line for line in frame.get("post_context") or () if isinstance(line, str)]
    lineno = frame.get("lineno")
    first = lineno - len(pre) if isinstance(lineno, int) and lineno > len(pre) else None

    def number(index: int) -> int | None:
        return None if first is None else first + index

    lines = [SourceLine(number(i), code, False) for i, code in enumerate(pre)]
    lines.append(SourceLine(number(len(pre)), context, True))
    lines += [SourceLine(number(len(pre) + 1 + i), code, False) for i, code in enumerate(post)]
    return lines


def _frame(raw: dict[str, Any]) -> Frame:
    module = str(raw.get("module") or "")
    location = str(raw.get("filename") or module or raw.get("abs_path") or "?")
    variables = raw.get("vars")
    lineno, colno = raw.get("lineno"), raw.get("colno")
    return Frame(
        function=str(raw.get("function") or raw.get("raw_function") or "?"),
        location=location,
        module=module if module and module != location else "",
        lineno=lineno if isinstance(lineno, int) else None,
        colno=colno if isinstance(colno, int) else None,
        in_app=raw.get("in_app") is True,
        source=_lines(raw),
        variables=pairs(variables) if isinstance(variables, dict) else [],
    )


def stacktrace(raw: Any) -> StackTrace | None:
    if not isinstance(raw, dict):
        return None
    frames = [f for f in raw.get("frames") or () if isinstance(f, dict)]
    if not frames:
        return None
    shown = frames[-MAX_FRAMES:]
    return StackTrace([_frame(f) for f in reversed(shown)], len(frames) - len(shown))


def _exceptions(body: dict[str, Any]) -> list[ExceptionView]:
    found = []
    values = _object(body.get("exception")).get("values") or ()
    for raw in reversed([v for v in values if isinstance(v, dict)]):
        mechanism = _object(raw.get("mechanism"))
        handled = mechanism.get("handled")
        found.append(
            ExceptionView(
                type=str(raw.get("type") or "Error"),
                value=str(raw.get("value") or ""),
                module=str(raw.get("module") or ""),
                mechanism=str(mechanism.get("type") or ""),
                handled=handled if isinstance(handled, bool) else None,
                stacktrace=stacktrace(raw.get("stacktrace")),
            )
        )
    return found


def _thread_stacktrace(body: dict[str, Any]) -> StackTrace | None:
    threads = [t for t in _object(body.get("threads")).get("values") or () if isinstance(t, dict)]
    for thread in sorted(threads, key=lambda t: not (t.get("crashed") or t.get("current"))):
        found = stacktrace(thread.get("stacktrace"))
        if found is not None:
            return found
    return None


def moment(value: Any) -> datetime | None:
    """A breadcrumb's timestamp: epoch seconds or ISO 8601."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        try:
            return as_utc(datetime.fromisoformat(value))
        except ValueError:
            return None
    return None


def _crumbs(body: dict[str, Any]) -> list[Crumb]:
    values = _object(body.get("breadcrumbs")).get("values") or ()
    return [
        Crumb(
            at=moment(crumb.get("timestamp")),
            type=str(crumb.get("type") or "default"),
            category=str(crumb.get("category") or ""),
            level=str(crumb.get("level") or "info"),
            message=text(crumb.get("message") or ""),
            data=pairs(crumb.get("data")),
        )
        for crumb in values
        if isinstance(crumb, dict)
    ]


def _request(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        return {}
    query = value.get("query_string")
    return {
        "method": str(value.get("method") or ""),
        "url": str(value.get("url") or ""),
        "query": pairs(query) if isinstance(query, list | dict) else text(query or ""),
        "headers": pairs(value.get("headers")),
        "cookies": pairs(value.get("cookies")),
        "data": text(value["data"]) if value.get("data") is not None else "",
        "env": pairs(value.get("env")),
    }


def _contexts(value: Any) -> list[tuple[str, list[tuple[str, str]]]]:
    if not isinstance(value, dict):
        return []
    return [
        (str(name), pairs(context) if isinstance(context, dict) else [("value", text(context))])
        for name, context in sorted(value.items())
    ]


def _sdk(value: Any) -> str:
    if not isinstance(value, dict):
        return ""
    return " ".join(str(value[k]) for k in ("name", "version") if value.get(k))


def _message(body: dict[str, Any]) -> str:
    entry = body.get("logentry")
    if isinstance(entry, dict) and entry.get("formatted"):
        return text(entry["formatted"])
    return text(body.get("message") or "")


def event_view(body: dict[str, Any]) -> EventView:
    user = body.get("user")
    fingerprint = body.get("fingerprint")
    return EventView(
        message=_message(body),
        exceptions=_exceptions(body),
        stacktrace=stacktrace(body.get("stacktrace")) or _thread_stacktrace(body),
        breadcrumbs=_crumbs(body),
        tags=pairs(body.get("tags")),
        user=pairs(user) if isinstance(user, dict) else [],
        request=_request(body.get("request")),
        contexts=_contexts(body.get("contexts")),
        extra=pairs(body.get("extra")),
        sdk=_sdk(body.get("sdk")),
        fingerprint=[text(part) for part in _iterable(fingerprint)],
    )


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _iterable(value: Any) -> Iterable[Any]:
    return value if isinstance(value, list) else ()
