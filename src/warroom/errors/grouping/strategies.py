"""What each part of an event contributes: stack traces, exceptions, threads, messages.

Every strategy returns a component per variant: ``app`` counts in-app frames only,
``system`` every frame, ``default`` is the message. A variant that has no contributing stack
trace stops contributing when another variant has one.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import groupby
from typing import Any

from warroom.errors.frames import JAVASCRIPT, behavior_family, has_url_origin
from warroom.errors.grouping.component import Component
from warroom.errors.grouping.frame import frame_components
from warroom.errors.grouping.parameterize import normalize_message

APP = "app"
SYSTEM = "system"
DEFAULT = "default"
Variants = dict[str, Component]

RECURSION_FIELDS = ("abs_path", "package", "module", "filename", "function", "lineno", "colno")
"""Fields two consecutive frames share when the second is a recursive call of the first."""
_NO_CONTRIBUTING_FRAMES = "ignored because it contains no contributing frames"
_PYTHON_SDK_3 = "3"


def _is_recursion(frame: dict[str, Any], previous: dict[str, Any] | None) -> bool:
    if previous is None or frame.get("function") != previous.get("function"):
        return False
    return all(frame.get(key) == previous.get(key) for key in RECURSION_FIELDS)


def _ignored(frame: Component, hint: str) -> Component:
    """A non-contributing copy of a (shared, never updated) frame component."""
    return Component(frame.id, frame.values, contributes=False, hint=hint)


def stacktrace_variants(frames: list[dict[str, Any]], event: dict[str, Any]) -> Variants:
    platform = event.get("platform")
    system: list[Component | str] = []
    app: list[Component | str] = []
    previous = None
    for frame in frames:
        component, twin = frame_components(frame, platform)
        if _is_recursion(frame, previous):
            component = twin = _ignored(component, "ignored due to recursion")
        system.append(component)
        app.append(component if frame.get("in_app") else twin)
        previous = frame
    if len(frames) == 1:
        _drop_lone_javascript_url_frame(frames[0], platform, system, app)
    return _assess(frames, system, app)


def _drop_lone_javascript_url_frame(
    frame: dict[str, Any],
    platform: str | None,
    system: list[Component | str],
    app: list[Component | str],
) -> None:
    if frame.get("function") or behavior_family(frame.get("platform") or platform) != JAVASCRIPT:
        return
    if not has_url_origin(frame.get("abs_path"), files_count_as_urls=True):
        return
    for components in (system, app):
        component = components[0]
        assert isinstance(component, Component)
        if component.contributes:
            components[0] = _ignored(component, "ignored single non-URL JavaScript frame")


def _assess(
    frames: list[dict[str, Any]], system: list[Component | str], app: list[Component | str]
) -> Variants:
    in_app = contributing = in_app_contributing = 0
    for frame, component in zip(frames, system, strict=True):
        assert isinstance(component, Component)
        is_app = bool(frame.get("in_app"))
        in_app += is_app
        contributing += component.contributes
        in_app_contributing += is_app and component.contributes
    system_stacktrace = Component("stacktrace", system)
    app_stacktrace = Component("stacktrace", app)
    if contributing == 0:
        system_stacktrace.update(contributes=False, hint=_NO_CONTRIBUTING_FRAMES)
    if in_app == 0:
        app_stacktrace.update(
            contributes=False, hint="ignored because it contains no in-app frames"
        )
    elif in_app_contributing == 0:
        app_stacktrace.update(contributes=False, hint=_NO_CONTRIBUTING_FRAMES)
    return {APP: app_stacktrace, SYSTEM: system_stacktrace}


def remove_non_stacktrace_variants(variants: Variants) -> Variants:
    """When some variant has a contributing stack trace, the others stop contributing."""
    if len(variants) <= 1:
        return variants
    with_stacktrace = [name for name, c in variants.items() if c.has_contributing("stacktrace")]
    if not with_stacktrace:
        return variants
    owner = f"the {with_stacktrace[0]} variant does" if len(with_stacktrace) == 1 else "others do"
    for name, component in variants.items():
        if name not in with_stacktrace:
            component.update(
                contributes=False,
                hint=f"ignored because this variant does not have a contributing stacktrace, "
                f"but {owner}",
            )
    return variants


def single_exception(exception: dict[str, Any], event: dict[str, Any]) -> Variants:
    ty = exception.get("type")
    type_component = Component("type", [ty] if ty else [])
    mechanism = exception.get("mechanism") or {}
    if mechanism.get("synthetic"):
        type_component.update(contributes=False, hint="ignored because exception is synthetic")
    ns_error = _ns_error(mechanism)
    stacktrace = exception.get("stacktrace")
    if stacktrace:
        stacktraces = stacktrace_variants(stacktrace["frames"], event)
    else:
        stacktraces = {APP: Component("stacktrace")}
    raw_value = exception.get("value")
    normalized = None if raw_value is None else normalize_message(raw_value)
    variants: Variants = {}
    for name, stacktrace_component in stacktraces.items():
        value = Component("value")
        if normalized:
            changed = "stripped event-specific values" if normalized != raw_value else None
            value.update(values=[normalized], hint=changed)
        if stacktrace_component.contributes and value.contributes:
            value.update(contributes=False, hint="ignored because stacktrace takes precedence")
        if ns_error is not None and ns_error.contributes and value.contributes:
            value.update(contributes=False, hint="ignored because ns-error info takes precedence")
        # newstyle:2023-01-11 hashes in this order: stack trace, type, ns-error, value.
        values: list[Component | str] = [stacktrace_component, type_component]
        if ns_error is not None:
            values.append(ns_error)
        values.append(value)
        variants[name] = Component("exception", values)
    return variants


def _ns_error(mechanism: dict[str, Any]) -> Component | None:
    ns_error = (mechanism.get("meta") or {}).get("ns_error")
    if not isinstance(ns_error, dict):
        return None
    parts = [
        Component(part, [str(ns_error[part])] if ns_error.get(part) is not None else [])
        for part in ("domain", "code")
    ]
    return Component("ns-error", list(parts))


def chained_exception(event: dict[str, Any]) -> Variants | None:
    exceptions = (event.get("exception") or {}).get("values") or []
    if not exceptions:
        return None
    components = [single_exception(exception, event) for exception in exceptions]
    chosen = exception_group_members(exceptions, components, event)
    if len(chosen) == 1:
        return remove_non_stacktrace_variants(components[chosen[0]])
    by_variant: dict[str, list[Component | str]] = {}
    for index in chosen:
        for name, component in components[index].items():
            by_variant.setdefault(name, []).append(component)
    variants = {name: Component("chained-exception", values) for name, values in by_variant.items()}
    return remove_non_stacktrace_variants(variants)


def exception_group_members(
    exceptions: list[dict[str, Any]], components: list[Variants], event: dict[str, Any]
) -> list[int]:
    """Which exceptions of an exception group count (Sentry's RFC 79), by list index.

    A group whose leaves are all alike counts as its first leaf and that leaf's first-child
    path; a group with different leaves counts as one of each plus the root group. Without a
    complete ``exception_id``/``parent_id`` tree every exception counts.
    """
    everything = list(range(len(exceptions)))
    if len(exceptions) <= 1:
        return everything
    sdk_version = str((event.get("sdk") or {}).get("version") or "")
    if event.get("platform") == "python" and sdk_version.startswith(_PYTHON_SDK_3):
        return everything  # Sentry keeps the Python SDK 3 behaviour for now.
    index_of: dict[Any, int] = {}
    children: dict[Any, list[int]] = {}
    for index in reversed(everything):
        found = exceptions[index].get("mechanism") or {}
        exception_id, parent_id = found.get("exception_id"), found.get("parent_id")
        if exception_id is None or exception_id == parent_id or exception_id in index_of:
            return everything
        index_of[exception_id] = index
        if parent_id is not None:
            children.setdefault(parent_id, []).append(index)
    root = index_of.get(0)
    if root is None:
        return everything

    def mechanism(index: int) -> dict[str, Any]:
        found: dict[str, Any] = exceptions[index].get("mechanism") or {}
        return found

    def leaves(index: int, seen: frozenset[int]) -> Iterator[int]:
        if index in seen:
            return
        if mechanism(index).get("is_exception_group"):
            for child in children.get(mechanism(index)["exception_id"], []):
                yield from leaves(child, seen | {index})
        else:
            yield index

    def first_path(index: int, seen: frozenset[int]) -> Iterator[int]:
        yield index
        kids = children.get(mechanism(index)["exception_id"], [])
        if kids and kids[0] not in seen:
            yield from first_path(kids[0], seen | {index})

    top = sorted(
        leaves(root, frozenset()), key=lambda i: str(exceptions[i].get("type")), reverse=True
    )
    if not top:
        return everything
    distinct = [next(group) for _, group in groupby(top, key=lambda i: _signature(components[i]))]
    if len(distinct) == 1:
        return list(first_path(distinct[0], frozenset()))
    return [*distinct, root]


def _signature(variants: Variants) -> str:
    return "|".join(f"{name}:{component.hash()}" for name, component in variants.items())


def threads(event: dict[str, Any]) -> Variants | None:
    values = (event.get("threads") or {}).get("values") or []
    if not values:
        return None
    crashed = [t for t in values if t.get("crashed")]
    current = [t for t in values if t.get("current")]
    for candidates in (crashed, current, values):
        if len(candidates) == 1:
            return remove_non_stacktrace_variants(_thread(candidates[0], event))
    hint = (
        "ignored because it contains neither a single thread nor multiple threads with exactly "
        f"one crashing or current thread; instead contains {len(crashed)} crashing, "
        f"{len(current)} current, and {len(values)} total threads"
    )
    return {APP: Component("threads", contributes=False, hint=hint)}


def _thread(thread: dict[str, Any], event: dict[str, Any]) -> Variants:
    stacktrace = thread.get("stacktrace")
    if not stacktrace:
        return {
            APP: Component(
                "threads", contributes=False, hint="ignored because thread has no stacktrace"
            )
        }
    return {
        name: Component("threads", [component])
        for name, component in stacktrace_variants(stacktrace["frames"], event).items()
    }


def stacktrace(event: dict[str, Any]) -> Variants | None:
    value = event.get("stacktrace")
    if not value:
        return None
    return remove_non_stacktrace_variants(stacktrace_variants(value["frames"], event))


def message(event: dict[str, Any]) -> Variants | None:
    logentry = event.get("logentry")
    if not logentry:
        return None
    raw = logentry.get("message") or logentry.get("formatted") or ""
    normalized = normalize_message(raw)
    hint = "stripped event-specific values" if normalized != raw else None
    return {DEFAULT: Component("message", [normalized], hint=hint)}
