"""A log entry's ``formatted`` text, the way Relay fills it in from ``message`` + ``params``.

Relay formats only when the SDK sent no ``formatted``: a message containing ``%`` is taken as
printf style (``%s``, ``%d``, ``%(name)s``, ``%%``), else one containing ``{`` as curly style
(``{}``, ``{0}``, ``{name}``). Positional forms take ``params`` as a list, named forms as an
object. A message that cannot be formatted with its params (wrong count, wrong type, missing
name) stays unformatted, as Relay leaves it.
"""

from __future__ import annotations

import json
import re
from typing import Any

from warroom.errors import limits

_PRINTF_SPEC = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?(?P<flags>[-#0 +]*)(?P<width>\d+)?(?:\.(?P<precision>\d+))?"
    r"[hlL]?(?P<type>[diouxXeEfFgGcrsa%])"
)
_CURLY_SPEC = re.compile(r"\{(?P<key>\w*)\}")
_NUMERIC_TYPES = frozenset("diouxXeEfFgGc")
_MAX_WIDTH = 1000
"""Width and precision beyond this are refused (a ``%999999999s`` must not allocate a GB)."""


class _CannotFormat(Exception):
    pass


def format_message(message: str, params: Any) -> str | None:
    """``message`` with ``params`` applied, or None when Relay would not format it."""
    try:
        if "%" in message:
            return _format_printf(message, params)
        if "{" in message:
            return _format_curly(message, params)
    except _CannotFormat:
        return None
    return None


def as_text(value: Any) -> str:
    """A parameter as it reads in a formatted message (JSON spelling for non-strings)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, separators=(",", ":"), default=str)


def _positional(params: Any, index: int) -> Any:
    if not isinstance(params, list) or index >= len(params):
        raise _CannotFormat
    return params[index]


def _named(params: Any, name: str) -> Any:
    if not isinstance(params, dict) or name not in params:
        raise _CannotFormat
    return params[name]


def _format_printf(message: str, params: Any) -> str:
    next_index = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal next_index
        kind = match["type"]
        if kind == "%":
            return "%"
        for size in (match["width"], match["precision"]):
            if size is not None and int(size) > _MAX_WIDTH:
                raise _CannotFormat
        name = match["name"]
        if name is not None:
            value = _named(params, name)
        else:
            value = _positional(params, next_index)
            next_index += 1
        if kind in _NUMERIC_TYPES:
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise _CannotFormat
        else:
            value = as_text(value)
            kind = "s"
        spec = "%" + match["flags"] + (match["width"] or "")
        if match["precision"] is not None:
            spec += "." + match["precision"]
        try:
            formatted: str = (spec + kind) % value
        except (TypeError, ValueError, OverflowError) as exc:
            raise _CannotFormat from exc
        return formatted

    return _PRINTF_SPEC.sub(replace, message)


def _format_curly(message: str, params: Any) -> str:
    next_index = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal next_index
        key = match["key"]
        if key == "":
            value = _positional(params, next_index)
            next_index += 1
        elif key.isdecimal() and key.isascii():
            value = _positional(params, int(key))
        else:
            value = _named(params, key)
        return as_text(value)

    return _CURLY_SPEC.sub(replace, message)


def normalize_logentry(raw: Any) -> dict[str, Any] | None:
    """The canonical log entry of a ``logentry``/``message`` value, None when it has no text.

    A bare string is the already formatted text. ``message`` moves to ``formatted`` when the
    two are equal or nothing else gives ``formatted`` (Relay's rule), so ``message`` remains
    only when it is a template that differs from its formatted text.
    """
    if isinstance(raw, str):
        raw = {"formatted": raw}
    message = _text(raw.get("message"))
    formatted = _text(raw.get("formatted"))
    params = raw.get("params")
    if message is None and formatted is None:
        return None
    if formatted is None and message is not None and params is not None:
        formatted = format_message(message, params)
    if formatted is None or message == formatted:
        formatted, message = message, None
    entry: dict[str, Any] = {}
    if message is not None:
        entry["message"] = limits.trim(message, limits.MESSAGE)
    if isinstance(params, list | dict):
        entry["params"] = params
    assert formatted is not None
    entry["formatted"] = limits.trim(formatted, limits.MESSAGE)
    return entry


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None
