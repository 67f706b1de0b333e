"""An event's title, culprit, type, metadata and location, computed as Sentry does.

* **Error events** (with exceptions) describe the last exception: ``metadata.type`` (``Error``
  when missing, left out for synthetic exceptions), ``metadata.value`` (first 1024 chars), and
  the crash location (``filename``, ``function``) of the innermost in-app frame, else the
  innermost frame. The title is ``Type: first line of value`` (a line longer than 100
  chars keeps 97 and ends in ``...``), just ``Type`` without a value, else the function,
  else ``<unknown>``.
* **Default events** (messages) take the first line of the formatted message as title and
  ``metadata.title``, or ``<unlabeled event>``.
* **Culprit**: the transaction when there is one; else the innermost in-app frame of the last
  stack trace (``module in function``; JavaScript ``function(file)``; native just the
  function); else the request URL; cut at 200 chars.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from warroom.errors.frames import (
    JAVASCRIPT_PLATFORMS,
    NATIVE_PLATFORMS,
    Frame,
    crash_frame,
    function_name,
)
from warroom.errors.native_functions import PLACEHOLDER_FUNCTIONS

ERROR = "error"
DEFAULT = "default"
UNLABELED = "<unlabeled event>"
UNKNOWN = "<unknown>"
DEFAULT_EXCEPTION_TYPE = "Error"
UNKNOWN_FUNCTION = "?"
TITLE_MAX_CHARS = 100
METADATA_VALUE_MAX_CHARS = 1024
METADATA_TYPE_MAX_CHARS = 128
CULPRIT_MAX_CHARS = 200
ELLIPSIS = "..."


@dataclass(frozen=True)
class EventDescription:
    title: str
    culprit: str
    type: str
    metadata: dict[str, str] = field(default_factory=dict)
    location: str | None = None


def describe(event: dict[str, Any]) -> EventDescription:
    """Title, culprit, type, metadata and location of a canonical (normalised) event."""
    culprit = truncate(event.get("transaction") or _generated_culprit(event), CULPRIT_MAX_CHARS)
    exception = _main_exception(event)
    if exception is None:
        title = _message_title(event)
        return EventDescription(title, culprit, DEFAULT, {"title": title}, None)
    metadata = _error_metadata(event, exception)
    return EventDescription(
        _error_title(metadata), culprit, ERROR, metadata, metadata.get("filename")
    )


def truncate(text: str, max_chars: int) -> str:
    """Sentry's ``truncatechars``: at most ``max_chars`` characters, the last three ``...``."""
    if len(text) <= max_chars:
        return text
    return text[: max_chars - len(ELLIPSIS)] + ELLIPSIS


def _main_exception(event: dict[str, Any]) -> dict[str, Any] | None:
    exceptions = (event.get("exception") or {}).get("values") or []
    if not exceptions:
        return None
    main_id = event.get("main_exception_id")
    if main_id is not None:
        for exception in exceptions:
            if (exception.get("mechanism") or {}).get("exception_id") == main_id:
                return dict(exception)
    return dict(exceptions[-1])


def _message_title(event: dict[str, Any]) -> str:
    logentry = event.get("logentry") or {}
    message = (logentry.get("formatted") or logentry.get("message") or "").strip()
    if not message:
        return UNLABELED
    return truncate(message.splitlines()[0], TITLE_MAX_CHARS)


def _located(frame: Frame) -> bool:
    return frame.get("function") not in PLACEHOLDER_FUNCTIONS


def _error_metadata(event: dict[str, Any], exception: dict[str, Any]) -> dict[str, str]:
    metadata: dict[str, str] = {}
    if not (exception.get("mechanism") or {}).get("synthetic"):
        ty = exception.get("type") or DEFAULT_EXCEPTION_TYPE
        metadata["type"] = truncate(ty, METADATA_TYPE_MAX_CHARS)
    metadata["value"] = truncate(exception.get("value") or "", METADATA_VALUE_MAX_CHARS)
    frame = crash_frame(event, _located)
    if frame is not None:
        filename = frame.get("filename") or frame.get("abs_path")
        if filename:
            metadata["filename"] = filename
        function = function_name(frame, event.get("platform"))
        if function:
            metadata["function"] = function
    return metadata


def _error_title(metadata: dict[str, str]) -> str:
    title = metadata.get("type")
    if title is None:
        return metadata.get("function") or UNKNOWN
    value = metadata.get("value")
    if value:
        title += ": " + truncate(value.splitlines()[0], TITLE_MAX_CHARS)
    return title


def _generated_culprit(event: dict[str, Any]) -> str:
    exceptions = (event.get("exception") or {}).get("values") or []
    if exceptions:
        if (exceptions[-1].get("mechanism") or {}).get("synthetic"):
            return ""
        stacktraces = [e["stacktrace"] for e in exceptions if e.get("stacktrace")]
    else:
        stacktraces = [event["stacktrace"]] if event.get("stacktrace") else []
    culprit = ""
    if stacktraces:
        culprit = _stacktrace_culprit(stacktraces[-1]["frames"], event.get("platform"))
    if not culprit:
        culprit = (event.get("request") or {}).get("url") or ""
    return culprit if isinstance(culprit, str) else ""


def _stacktrace_culprit(frames: list[Frame], platform: str | None) -> str:
    fallback = None
    for frame in reversed(frames):
        if frame.get("in_app"):
            culprit = _frame_culprit(frame, platform)
            if culprit:
                return culprit
        elif fallback is None:
            fallback = _frame_culprit(frame, platform)
    return fallback or ""


def _frame_culprit(frame: Frame, platform: str | None) -> str:
    platform = frame.get("platform") or platform
    function = frame.get("function") or UNKNOWN_FUNCTION
    if platform in NATIVE_PLATFORMS:
        return str(function)
    location = frame.get("module") or frame.get("filename")
    if not location:
        return ""
    if platform in JAVASCRIPT_PLATFORMS:
        return f"{function}({location})"
    return f"{location} in {function}"
