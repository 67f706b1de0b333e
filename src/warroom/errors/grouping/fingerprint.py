"""Custom fingerprints: ``{{ default }}`` and the other variables an SDK may put in one.

An entry that is exactly ``{{ name }}`` (spaces optional) is a variable. ``{{ default }}``
stands for the default grouping; the others resolve from the event, with a ``<no-…>``
placeholder when the event lacks the value: ``transaction``, ``message``, ``type`` /
``error.type``, ``value`` / ``error.value``, ``function`` / ``stack.function``, ``path`` /
``stack.abs_path``, ``stack.filename``, ``module`` / ``stack.module``, ``package`` /
``stack.package``, ``level``, ``logger`` and ``tags.<key>``. An unknown variable stays as
written (newstyle:2023-01-11's rule).
"""

from __future__ import annotations

import re
from typing import Any

from warroom.errors.frames import crash_frame

DEFAULT_VARIABLE = "default"
_VARIABLE = re.compile(r"\{\{\s*(\S+)\s*\}\}")
_TAG_PREFIX = "tags."


def variable_name(entry: str) -> str | None:
    match = _VARIABLE.fullmatch(entry)
    return match.group(1) if match else None


def is_default(entry: str) -> bool:
    return variable_name(entry) == DEFAULT_VARIABLE


def resolve(fingerprint: list[str], event: dict[str, Any]) -> list[str]:
    """The fingerprint with every known variable except ``{{ default }}`` replaced."""
    resolved = []
    for entry in fingerprint:
        name = variable_name(entry)
        value = None if name is None or name == DEFAULT_VARIABLE else _value(name, event)
        resolved.append(entry if value is None else value)
    return resolved


def _last_exception(event: dict[str, Any]) -> dict[str, Any]:
    values = (event.get("exception") or {}).get("values") or [{}]
    last: dict[str, Any] = values[-1]
    return last


def _frame_value(event: dict[str, Any], *keys: str) -> str | None:
    frame = crash_frame(event)
    if frame is None:
        return None
    for key in keys:
        if frame.get(key):
            return str(frame[key])
    return None


def _value(name: str, event: dict[str, Any]) -> str | None:
    """The variable's value, its ``<no-…>`` placeholder, or None for an unknown variable."""
    if name == "transaction":
        return event.get("transaction") or "<no-transaction>"
    if name == "message":
        logentry = event.get("logentry") or {}
        text = logentry.get("formatted") or logentry.get("message")
        return text or _last_exception(event).get("value") or "<no-message>"
    if name in ("type", "error.type"):
        return _last_exception(event).get("type") or "<no-type>"
    if name in ("value", "error.value"):
        return _last_exception(event).get("value") or "<no-value>"
    if name in ("function", "stack.function"):
        return _frame_value(event, "function") or "<no-function>"
    if name in ("path", "stack.abs_path"):
        return _frame_value(event, "abs_path", "filename") or "<no-abs-path>"
    if name == "stack.filename":
        return _frame_value(event, "filename", "abs_path") or "<no-filename>"
    if name in ("module", "stack.module"):
        return _frame_value(event, "module") or "<no-module>"
    if name in ("package", "stack.package"):
        package = _frame_value(event, "package")
        if package:
            package = package.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
        return package or "<no-package>"
    if name in ("level", "logger"):
        return event.get(name) or f"<no-{name}>"
    if name.startswith(_TAG_PREFIX):
        key = name[len(_TAG_PREFIX) :]
        for tag, value in event.get("tags") or ():
            if tag == key:
                return str(value)
        return f"<no-value-for-tag-{key}>"
    return None
