"""The grouping component of one stack frame (Sentry's ``frame:v1`` in newstyle:2023-01-11).

A frame contributes its ``module`` (else the lowercased basename of ``filename``), its cleaned
``function`` and, for platforms whose source is reliable, its ``context-line``. Line and
column numbers never count, nor does a file's directory: moving code within a file or
deploying to another path keeps the hash.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from warroom.errors.frames import (
    JAVASCRIPT,
    NATIVE,
    behavior_family,
    has_url_origin,
    trim_function_name,
)
from warroom.errors.grouping.component import Component
from warroom.errors.native_functions import PLACEHOLDER_FUNCTIONS

CONTEXT_LINE_PLATFORMS = frozenset({"javascript", "node", "python", "php", "ruby"})
"""Platforms whose source lines are trusted for grouping."""
MAX_CONTEXT_LINE_CHARS = 120
FRAME_CACHE_SIZE = 8192
"""Distinct frames whose components are kept: a service's stacks repeat across events."""

_BASENAME = re.compile(r"[/\\]")
_RUBY_ERB_SUFFIX = re.compile(r"__\d{4,}_\d{4,}$")
_RUBY_BLOCK = "block "
_PHP_ANONYMOUS = ("[Anonymous", "class@anonymous\x00")
_PHP_ANONYMOUS_CLASS = "class@anonymous"
_JAVA_LAMBDA_FUNCTION = "lambda$"
_JAVA_LAMBDA_MODULE = "$$Lambda$"
_JAVA_REFLECTION_ACCESSORS = (
    "sun.reflect.GeneratedMethodAccessor",
    "jdk.internal.reflect.GeneratedMethodAccessor",
)
# Generated classes carry a counter or hash that changes between builds: keep the marker only.
_JAVA_CODEGEN = tuple(
    re.compile(pattern)
    for pattern in (
        r"(sun\.reflect\.Generated(?:Serialization)?ConstructorAccessor)\d+",
        r"(\$\$[\w_]+?CGLIB\$\$)[a-fA-F0-9]+(_[0-9]+)?",
        r"(\$\$_javassist)(?:_seam)?(?:_[0-9]+)?",
        r"(\$fn__)\d+",
        r"(\$\$?EnhancerBy[\w_]+?\$?\$)[a-fA-F0-9]+(_[0-9]+)?",
        r"(\$\$?FastClassBy[\w_]+?\$?\$)[a-fA-F0-9]+(_[0-9]+)?",
        r"(\$\$?HibernateProxy\$?\$)\w+(_[0-9]+)?",
    )
)
_JAVASSIST = _JAVA_CODEGEN[2]
_AUTO = r"\1<auto>"
_JS_UNKNOWN_FUNCTIONS = frozenset(
    {"?", "<anonymous function>", "<anonymous>", "Anonymous function"}
)
_JS_LOW_QUALITY_PATHS = frozenset({"[native code]", "native code", "eval code", "<anonymous>"})
_JS_ANONYMOUS_SUFFIX = "/<"
_JS_EVAL = "eval"
_ANONYMOUS_FILENAME = "<anonymous>"
_NATIVE_CODE_FILENAME = "[native code]"


NON_APP_FRAME = "non app frame"


def frame_components(
    frame: dict[str, Any], event_platform: str | None
) -> tuple[Component, Component]:
    """The frame's component and its non-app twin (the same values, not contributing).

    Both are built once per distinct frame and shared between variants and events: never
    update them.
    """
    return _frame_components(
        frame.get("platform") or event_platform,
        frame.get("abs_path"),
        frame.get("filename"),
        frame.get("module"),
        frame.get("function"),
        frame.get("raw_function"),
        frame.get("context_line"),
        (frame.get("data") or {}).get("sourcemap") is not None,
    )


@lru_cache(maxsize=FRAME_CACHE_SIZE)
def _frame_components(
    platform: str | None,
    abs_path: str | None,
    filename: str | None,
    module: str | None,
    function: str | None,
    raw_function: str | None,
    context_line: str | None,
    sourcemapped: bool,
) -> tuple[Component, Component]:
    family = behavior_family(platform)
    filename_component = _filename(abs_path, filename, platform)
    module_component = _module(abs_path, module, platform)
    if module_component.contributes and filename_component.contributes:
        filename_component.update(contributes=False, hint="ignored because module takes precedence")
    line = None
    if context_line and platform in CONTEXT_LINE_PLATFORMS:
        line = _context_line(context_line, abs_path, function, family)
    function_component = _function(
        function,
        raw_function,
        platform,
        family,
        sourcemapped=sourcemapped,
        context_line_available=line is not None and line.contributes,
    )
    values: list[Component | str] = [module_component, filename_component, function_component]
    if line is not None:
        values.append(line)
    component = Component("frame", values)
    if family == JAVASCRIPT:
        # After the frame's own contribution is settled, as in Sentry: a frame whose only
        # value was an unknown function still counts as contributing, with no values.
        _drop_javascript_noise(raw_function or function, abs_path, component, function_component)
    component.iter_values()  # computed once, while the component is still private
    twin = Component("frame", values, contributes=False, hint=component.hint or NON_APP_FRAME)
    return component, twin


def _filename(abs_path: str | None, filename: str | None, platform: str | None) -> Component:
    if filename is None:
        return Component("filename")
    name = _BASENAME.split(filename)[-1].lower()
    component = Component("filename", [name])
    if has_url_origin(abs_path, files_count_as_urls=False):
        component.update(contributes=False, hint="ignored because frame points to a URL")
    elif name == _ANONYMOUS_FILENAME:
        component.update(contributes=False, hint="ignored because filename is anonymous")
    elif name == _NATIVE_CODE_FILENAME:
        component.update(contributes=False, hint="ignored because filename suggests native code")
    elif platform == "java":
        cleaned = _JAVASSIST.sub(_AUTO, name)
        if cleaned != name:
            component.update(values=[cleaned], hint="cleaned javassist parts")
    return component


def _module(abs_path: str | None, module: str | None, platform: str | None) -> Component:
    if module is None:
        return Component("module")
    component = Component("module", [module])
    if platform == "javascript" and "/" in module and abs_path and abs_path.endswith(module):
        component.update(contributes=False, hint="ignored bad javascript module")
    elif platform == "java":
        if _JAVA_LAMBDA_MODULE in module:
            component.update(contributes=False, hint="ignored java lambda")
        accessor = next((a for a in _JAVA_REFLECTION_ACCESSORS if module.startswith(a)), None)
        if accessor is not None:
            component.update(values=[accessor], hint="removed reflection marker")
        else:
            cleaned = module
            for pattern in _JAVA_CODEGEN:
                cleaned = pattern.sub(_AUTO, cleaned)
            if cleaned != module:
                component.update(values=[cleaned], hint="removed codegen marker")
    return component


def _context_line(raw: str, abs_path: str | None, function: str | None, family: str) -> Component:
    line = " ".join(raw.split())
    if not line:
        return Component("context-line")
    component = Component("context-line", [line])
    if len(raw) > MAX_CONTEXT_LINE_CHARS:
        component.update(contributes=False, hint="ignored because line is too long")
    elif (
        family == JAVASCRIPT and not function and has_url_origin(abs_path, files_count_as_urls=True)
    ):
        component.update(
            contributes=False,
            hint="ignored because file path is a URL and function name is missing",
        )
    return component


def _function(
    function: str | None,
    raw_function: str | None,
    platform: str | None,
    family: str,
    *,
    sourcemapped: bool,
    context_line_available: bool,
) -> Component:
    if platform == "csharp":
        # Sentry trims C# names late, so grouping keeps preferring the untrimmed name.
        name = raw_function or function
    else:
        name = function or raw_function
        if not raw_function and function:
            name = trim_function_name(function, platform)
    if not name:
        return Component("function")
    component = Component("function", [name])
    if platform == "ruby":
        if name.startswith(_RUBY_BLOCK):
            component.update(values=["block"], hint="ruby block")
        else:
            cleaned = _RUBY_ERB_SUFFIX.sub("", name)
            if cleaned != name:
                component.update(values=[cleaned], hint="removed generated erb template suffix")
    elif platform == "php":
        if name.startswith(_PHP_ANONYMOUS):
            component.update(contributes=False, hint="ignored anonymous function")
        if name.startswith(_PHP_ANONYMOUS_CLASS):
            method = name.rsplit("::", 1)[-1]
            if method != name:
                component.update(values=[method], hint="anonymous class method")
    elif platform == "java":
        if name.startswith(_JAVA_LAMBDA_FUNCTION):
            component.update(contributes=False, hint="ignored lambda function")
    elif family == NATIVE and name in PLACEHOLDER_FUNCTIONS:
        component.update(contributes=False, hint="ignored unknown function")
    elif family == JAVASCRIPT:
        # Browsers disagree on Object.foo vs foo: keep the last dotted part.
        short = name.rsplit(".", 1)[-1]
        if short != name:
            component.update(values=[short], hint="trimmed javascript function")
        if sourcemapped and context_line_available:
            component.update(
                contributes=False,
                hint="ignored because sourcemap used and context line available",
            )
    return component


def _drop_javascript_noise(
    name: str | None, abs_path: str | None, component: Component, function: Component
) -> None:
    if name:
        name = name.rsplit(".", 1)[-1]
    if not name:
        function.update(contributes=False)
    elif name in _JS_UNKNOWN_FUNCTIONS or name.endswith(_JS_ANONYMOUS_SUFFIX):
        function.update(contributes=False, hint="ignored unknown function name")
    if name == _JS_EVAL or abs_path in _JS_LOW_QUALITY_PATHS:
        component.update(contributes=False, hint="ignored low quality javascript frame")
