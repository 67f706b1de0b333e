"""Turn what a Sentry SDK sent into warroom's canonical event, the way Relay normalises it.

``normalize_event`` returns a new dict and never mutates its input. Containers of the wrong
type (an ``exception`` that is a string, a frame that is a number) make the whole payload
invalid: ``InvalidEvent`` names the JSON path at fault. Bad scalars inside a valid shape (an
unknown level, an unparsable timestamp, a tag that is too long) are dropped or defaulted, as
Relay does. Data bags (``extra``, ``contexts``, frame ``vars`` …) are shared with the input,
not copied.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

from warroom.clock import as_utc
from warroom.errors import limits
from warroom.errors.invalid import InvalidEvent
from warroom.errors.logentry import as_text, normalize_logentry
from warroom.errors.stacktraces import normalize_stacktrace

DEFAULT_LEVEL = "error"
DEFAULT_ENVIRONMENT = "production"
OTHER_PLATFORM = "other"
VALID_PLATFORMS = frozenset(
    {
        "as3", "c", "cfml", "cocoa", "csharp", "dart", "elixir", "go", "groovy", "haskell",
        "java", "javascript", "native", "node", "objc", "other", "perl", "php", "python",
        "ruby", "rust", "swift",
    }
)  # fmt: skip
_LEVEL_ALIASES = {
    "debug": "debug",
    "info": "info",
    "log": "info",
    "warning": "warning",
    "warn": "warning",
    "error": "error",
    "fatal": "fatal",
    "critical": "fatal",
}
_PYTHON_LOG_LEVELS = {10: "debug", 20: "info", 30: "warning", 40: "error", 50: "fatal"}
_HEX_ID = re.compile(r"[0-9a-f]{32}")
_TYPE_IN_VALUE = re.compile(r"^(\w+):(.*)$", re.DOTALL)
_BAD_NAME_CHARACTERS = re.compile(r"[\\/\r\n\t\x0c]")
_RESTRICTED_RELEASES = frozenset({".", ".."})
_LATEST_RELEASE = "latest"
MAX_RELEASE_CHARS = 200
MAX_TRANSACTION_CHARS = 200
_INTERNAL_TAGS = frozenset({"release", "dist", "user", "filename", "function"})
_ENVIRONMENT_TAG = "environment"
_PAIR = 2

__all__ = ["InvalidEvent", "normalize_event"]

_KEPT_OBJECTS = ("user", "request", "contexts", "extra", "modules", "sdk")
_KEPT_STRINGS = (("server_name", None), ("transaction", MAX_TRANSACTION_CHARS))


def normalize_event(
    raw: dict[str, Any], *, received_at: datetime, platform: str | None = None
) -> dict[str, Any]:
    """The canonical event for ``raw`` received at ``received_at`` (see the module doc)."""
    if not isinstance(raw, dict):
        raise InvalidEvent("", "an event must be a JSON object")
    received = as_utc(received_at).timestamp()
    event: dict[str, Any] = {
        "event_id": _event_id(raw.get("event_id")),
        "timestamp": _timestamp(raw.get("timestamp"), received),
        "received": received,
        "level": _level(raw.get("level")),
        "platform": _platform(raw.get("platform"), platform),
    }
    tags, tag_environment = _tags(raw.get("tags"))
    environment = _name(raw.get("environment"), limits.ENVIRONMENT.limit) or tag_environment
    event["environment"] = environment or DEFAULT_ENVIRONMENT
    event["tags"] = tags
    _logentry(raw, event)
    _exceptions(raw, event)
    _threads(raw, event)
    _breadcrumbs(raw.get("breadcrumbs"), event)
    for key in _KEPT_OBJECTS:
        value = _object(raw, key)
        if value is not None:
            event[key] = value
    for key, max_chars in _KEPT_STRINGS:
        text = _string(raw.get(key))
        if text:
            event[key] = text[:max_chars] if max_chars else text
    _optional(event, "release", _release(raw.get("release")))
    _optional(event, "dist", _name(raw.get("dist"), limits.DISTRIBUTION.limit))
    logger = _string(raw.get("logger"))
    _optional(event, "logger", logger and limits.trim(logger, limits.LOGGER))
    _optional(event, "fingerprint", _fingerprint(raw.get("fingerprint")))
    return event


def _optional(event: dict[str, Any], key: str, value: Any) -> None:
    if value:
        event[key] = value


def _string(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) else None


def _object(raw: dict[str, Any], key: str) -> dict[str, Any] | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidEvent(key, "must be an object")
    return value


def _event_id(value: Any) -> str:
    if value is None:
        return uuid.uuid4().hex
    if not isinstance(value, str):
        raise InvalidEvent("event_id", "must be a string of 32 hex digits")
    compact = value.replace("-", "").lower()
    if not _HEX_ID.fullmatch(compact):
        raise InvalidEvent("event_id", f"not a uuid: {value[:64]!r}")
    return compact


def _timestamp(value: Any, received: float) -> float:
    seconds = _epoch_seconds(value)
    if seconds is None:
        return received
    if seconds > received + limits.MAX_SECS_IN_FUTURE:
        return received
    if seconds < received - limits.MAX_SECS_IN_PAST:
        return received
    return seconds


def _epoch_seconds(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if value >= 0 else None
    if not isinstance(value, str):
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return as_utc(parsed).timestamp()


def _level(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return _PYTHON_LOG_LEVELS.get(value, DEFAULT_LEVEL)
    if isinstance(value, str):
        return _LEVEL_ALIASES.get(value.strip().lower(), DEFAULT_LEVEL)
    return DEFAULT_LEVEL


def _platform(value: Any, project_platform: str | None) -> str:
    for candidate in (value, project_platform):
        if isinstance(candidate, str) and candidate in VALID_PLATFORMS:
            return candidate
    return OTHER_PLATFORM


def _name(value: Any, max_chars: int) -> str | None:
    """An environment or dist: trimmed, without slashes or control characters."""
    text = _string(value)
    if not text or len(text) > max_chars or _BAD_NAME_CHARACTERS.search(text):
        return None
    return text


def _release(value: Any) -> str | None:
    text = _name(value, MAX_RELEASE_CHARS)
    if text is None or text in _RESTRICTED_RELEASES or text.lower() == _LATEST_RELEASE:
        return None
    return text


def _tags(value: Any) -> tuple[list[list[str]], str | None]:
    """Tags as ``[key, value]`` string pairs in the sender's order, first key wins."""
    if value is None:
        return [], None
    if isinstance(value, dict):
        pairs: list[Any] = list(value.items())
    elif isinstance(value, list):
        pairs = value
    else:
        raise InvalidEvent("tags", "must be an object or a list of [key, value] pairs")
    tags: list[list[str]] = []
    seen: set[str] = set()
    environment = None
    for pair in pairs:
        if not isinstance(pair, list | tuple) or len(pair) != _PAIR:
            continue
        key, tag_value = pair
        if not isinstance(key, str) or tag_value is None or isinstance(tag_value, dict | list):
            continue
        key, text = key.strip(), _tag_text(tag_value)
        if key == _ENVIRONMENT_TAG:
            environment = environment or text
            continue
        if not key or not text or key in _INTERNAL_TAGS or key in seen:
            continue
        if len(key) > limits.TAG_KEY_MAX_CHARS or len(text) > limits.TAG_VALUE_MAX_CHARS:
            continue
        if "\n" in text:
            continue
        seen.add(key)
        tags.append([key, text])
    return tags, environment


def _tag_text(value: Any) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    return as_text(value).strip()


def _logentry(raw: dict[str, Any], event: dict[str, Any]) -> None:
    field = "logentry" if raw.get("logentry") is not None else "message"
    value = raw.get(field)
    if value is None:
        return
    if not isinstance(value, str | dict):
        raise InvalidEvent(field, "must be a string or an object")
    entry = normalize_logentry(value)
    if entry is not None:
        event["logentry"] = entry
        event["message"] = entry["formatted"]


def _values(raw: dict[str, Any], key: str) -> list[Any] | None:
    """The ``values`` list of an interface sent as ``{values: [...]}`` or as a bare list."""
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, dict):
        value = value.get("values")
        if value is None:
            return None
        if not isinstance(value, list):
            raise InvalidEvent(f"{key}.values", "must be a list")
        return value
    if isinstance(value, list):
        return value
    raise InvalidEvent(key, "must be an object with values or a list")


def _exceptions(raw: dict[str, Any], event: dict[str, Any]) -> None:
    values = _values(raw, "exception")
    top_stacktrace = raw.get("stacktrace")
    exceptions = []
    for index, item in enumerate(values or ()):
        if item is None:
            continue
        path = f"exception.values.{index}"
        if not isinstance(item, dict):
            raise InvalidEvent(path, "an exception must be an object")
        exception = _exception(item, path)
        if exception is not None:
            exceptions.append(exception)
    if len(exceptions) == 1 and top_stacktrace is not None:
        # Relay: a lone exception takes the event's top-level stack trace.
        stacktrace = normalize_stacktrace(top_stacktrace, "stacktrace")
        exceptions[0].pop("stacktrace", None)
        if stacktrace is not None:
            exceptions[0]["stacktrace"] = stacktrace
    elif top_stacktrace is not None:
        stacktrace = normalize_stacktrace(top_stacktrace, "stacktrace")
        if stacktrace is not None:
            event["stacktrace"] = stacktrace
    if exceptions:
        event["exception"] = {"values": exceptions}


def _exception(item: dict[str, Any], path: str) -> dict[str, Any] | None:
    exception: dict[str, Any] = {}
    ty = _string(item.get("type"))
    value = item.get("value")
    text = None if value is None else as_text(value)
    if not ty and text:
        match = _TYPE_IN_VALUE.match(text)
        if match:  # Relay splits "ValueError: bad thing" into type and value
            ty, text = match[1], match[2].strip()
    if not ty and not text:
        return None
    if ty:
        exception["type"] = limits.trim(ty, limits.SYMBOL)
    if text is not None:
        exception["value"] = limits.trim(text, limits.MESSAGE)
    module = _string(item.get("module"))
    if module:
        exception["module"] = limits.trim(module, limits.SYMBOL)
    mechanism = item.get("mechanism")
    if mechanism is not None:
        if not isinstance(mechanism, dict):
            raise InvalidEvent(f"{path}.mechanism", "must be an object")
        exception["mechanism"] = mechanism
    if item.get("thread_id") is not None:
        exception["thread_id"] = item["thread_id"]
    stacktrace = normalize_stacktrace(item.get("stacktrace"), f"{path}.stacktrace")
    if stacktrace is not None:
        exception["stacktrace"] = stacktrace
    return exception


def _threads(raw: dict[str, Any], event: dict[str, Any]) -> None:
    values = _values(raw, "threads")
    threads = []
    for index, item in enumerate(values or ()):
        if item is None:
            continue
        path = f"threads.values.{index}"
        if not isinstance(item, dict):
            raise InvalidEvent(path, "a thread must be an object")
        thread = {key: value for key, value in item.items() if key != "stacktrace"}
        stacktrace = normalize_stacktrace(item.get("stacktrace"), f"{path}.stacktrace")
        if stacktrace is not None:
            thread["stacktrace"] = stacktrace
        threads.append(thread)
    if threads:
        event["threads"] = {"values": threads}


def _breadcrumbs(value: Any, event: dict[str, Any]) -> None:
    values = _values({"breadcrumbs": value}, "breadcrumbs")
    crumbs = [crumb for crumb in values or () if isinstance(crumb, dict)]
    if crumbs:
        event["breadcrumbs"] = {"values": crumbs[-limits.MAX_BREADCRUMBS :]}


def _fingerprint(value: Any) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise InvalidEvent("fingerprint", "must be a list of strings")
    parts = [
        as_text(part)
        for part in value
        if isinstance(part, str | int | float) and not isinstance(part, bool)
    ]
    return parts or None
