"""Stack traces and frames in canonical form (Relay's frame normalisation).

Frames keep the SDK's order (oldest call first). A frame without ``abs_path`` takes its
``filename`` as ``abs_path``; a frame without ``filename`` takes ``abs_path``, or only its
path when it is a URL (``http://host/static/app.js`` → ``/static/app.js``). A ``?`` function
is no function. ``in_app`` stays None when the SDK did not say: grouping reads None as
"not in app", as Sentry does when it fills the flag in.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from warroom.errors import limits
from warroom.errors.invalid import InvalidEvent

UNKNOWN_FUNCTION = "?"
_URL_PREFIXES = ("file:", "http:", "https:", "applewebdata:")
_KEEP = "keep"
_INT = "int"
_BOOL = "bool"
_FIELDS: dict[str, limits.MaxChars | str] = {
    "function": limits.SYMBOL,
    "raw_function": limits.SYMBOL,
    "module": limits.SYMBOL,
    "package": limits.PATH,
    "filename": limits.PATH,
    "abs_path": limits.PATH,
    "context_line": limits.SUMMARY,
    "platform": limits.ENUM_LIKE,
    "symbol": limits.SYMBOL,
    "instruction_addr": limits.ENUM_LIKE,
    "lineno": _INT,
    "colno": _INT,
    "in_app": _BOOL,
    "pre_context": _KEEP,
    "post_context": _KEEP,
    "vars": _KEEP,
    "data": _KEEP,
}


def normalize_stacktrace(value: Any, path: str) -> dict[str, Any] | None:
    """The canonical stack trace, None when there is none; raises on a wrong shape."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidEvent(path, "a stack trace must be an object with frames")
    frames_value = value.get("frames")
    if frames_value is None:
        return None
    if not isinstance(frames_value, list):
        raise InvalidEvent(f"{path}.frames", "must be a list")
    frames = []
    for index, item in enumerate(frames_value):
        if item is None:
            continue
        if not isinstance(item, dict):
            raise InvalidEvent(f"{path}.frames.{index}", "a frame must be an object")
        frames.append(normalize_frame(item))
    if not frames:
        return None
    stacktrace: dict[str, Any] = {"frames": frames}
    omitted = value.get("frames_omitted")
    if isinstance(omitted, list):
        stacktrace["frames_omitted"] = omitted
    return stacktrace


def normalize_frame(item: dict[str, Any]) -> dict[str, Any]:
    frame: dict[str, Any] = {"in_app": None}
    for key, value in item.items():
        kind = _FIELDS.get(key)
        if kind is None or value is None:
            continue
        if kind is _KEEP:
            frame[key] = value
        elif kind is _INT:
            if type(value) is int and value >= 0:
                frame[key] = value
        elif kind is _BOOL:
            if type(value) is bool:
                frame[key] = value
        elif isinstance(value, str) and value:
            assert isinstance(kind, limits.MaxChars)
            frame[key] = limits.trim(value, kind)
    if frame.get("function") == UNKNOWN_FUNCTION:
        del frame["function"]
    _fill_paths(frame)
    return frame


def _fill_paths(frame: dict[str, Any]) -> None:
    if "abs_path" not in frame and "filename" in frame:
        frame["abs_path"] = frame.pop("filename")
    abs_path = frame.get("abs_path")
    if "filename" not in frame and abs_path is not None:
        frame["filename"] = abs_path
        if abs_path.startswith(_URL_PREFIXES):
            url_path = _url_path(abs_path)
            if url_path and url_path != "/":
                frame["filename"] = url_path


def _url_path(url: str) -> str | None:
    try:
        return urlsplit(url).path
    except ValueError:
        return None
