"""Reading frames out of a canonical event: the crash frame, platform families, names."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from warroom.errors.native_functions import trim_native_function

Frame = dict[str, Any]

NATIVE_PLATFORMS = frozenset({"objc", "cocoa", "swift", "native", "c"})
JAVASCRIPT_PLATFORMS = frozenset({"javascript", "node"})
NATIVE = "native"
JAVASCRIPT = "javascript"
OTHER = "other"
_URL_ORIGINS = ("http:", "https:", "applewebdata:", "blob:")
_FILE_ORIGIN = "file:"
_CSHARP = "csharp"
_CSHARP_SIGNATURE = " ("


def behavior_family(platform: str | None) -> str:
    """Sentry's platform families: ``native``, ``javascript`` or ``other``."""
    if platform in NATIVE_PLATFORMS:
        return NATIVE
    if platform in JAVASCRIPT_PLATFORMS:
        return JAVASCRIPT
    return OTHER


def has_url_origin(path: str | None, *, files_count_as_urls: bool) -> bool:
    if not path:
        return False
    if path.startswith(_URL_ORIGINS):
        return True
    return files_count_as_urls and path.startswith(_FILE_ORIGIN)


def trim_function_name(function: str, platform: str | None) -> str:
    """The function without signature: C# drops its argument list, native is demangled."""
    if platform == _CSHARP:
        return function.split(_CSHARP_SIGNATURE, 1)[0]
    if behavior_family(platform) == NATIVE:
        return trim_native_function(function)
    return function


def function_name(frame: Frame, platform: str | None) -> str | None:
    """The frame's function as Sentry shows it (a raw_function means it is already clean)."""
    function = frame.get("function")
    if not function:
        return None
    if frame.get("raw_function"):
        return str(function)
    return trim_function_name(function, frame.get("platform") or platform)


def stacktrace_frames(event: dict[str, Any]) -> list[Frame]:
    """The frames that crashed: the last exception's, else the event's, else a lone thread's."""
    exceptions = (event.get("exception") or {}).get("values") or []
    if exceptions:
        frames = (exceptions[-1].get("stacktrace") or {}).get("frames")
        if frames:
            return list(frames)
    frames = (event.get("stacktrace") or {}).get("frames")
    if frames:
        return list(frames)
    threads = (event.get("threads") or {}).get("values") or []
    if len(threads) == 1:
        return list((threads[0].get("stacktrace") or {}).get("frames") or [])
    return []


def crash_frame(
    event: dict[str, Any], frame_filter: Callable[[Frame], bool] | None = None
) -> Frame | None:
    """The innermost in-app frame (frames run oldest first), else the innermost frame."""
    fallback = None
    for frame in reversed(stacktrace_frames(event)):
        if frame_filter is not None and not frame_filter(frame):
            continue
        if frame.get("in_app"):
            return frame
        if fallback is None:
            fallback = frame
    return fallback
