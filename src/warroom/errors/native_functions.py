"""Function names of native frames reduced to the bare name, as Sentry's trimming does.

``unsigned int foo::bar<int>(char const*) const`` becomes ``foo::bar<T>``: argument lists,
return types, ``const``/``&`` trailers, ``[clone .cold]`` suffixes, Rust hashes, glibc symbol
versions and MSVC ``@N`` decorations go; generic arguments collapse to ``<T>``; lambdas of
gcc, clang and MSVC read ``lambda``. Objective-C selectors (``-[Foo bar:]``) stay as they are.
"""

from __future__ import annotations

import re
from collections.abc import Callable

PLACEHOLDER_FUNCTIONS = frozenset({"<redacted>", "<unknown>"})
_OBJC_PREFIXES = ("[", "+[", "-[")
_TRAILER = re.compile(r"(\bconst\b|&)$")
_LAMBDA = re.compile(r"\{lambda\(.*?\)#\d+\}|\blambda_[a-f0-9]{32}\b|\$_\d+\b")
_MSVC_ANONYMOUS_NAMESPACE = re.compile(r"\?A0x[a-f0-9]{8}::")
_RUST_HASH = re.compile(r"::h[a-z0-9]{16}$")
_GLIBC_VERSION = re.compile(r"@@?GLIBC_[0-9.]+$")
_WINDOWS_DECORATION = re.compile(r"^@?(.*?)@[0-9]+$")
_RUST_BLANKET_IMPL = re.compile(r"^[A-Z] as ")
_TOKEN_BREAK = re.compile(r"\s|[({<\[]")
_CLOSERS = {"(": ")", "{": "}", "[": "]", "<": ">"}
_ANONYMOUS_NAMESPACE = "`anonymous namespace'"
# Characters that never occur in symbols stand in for operators that would unbalance the
# bracket matching below; they are swapped back at the end.
_MASKS = (
    ("operator<<", "operator\u27e8\u27e8"),
    ("operator<", "operator\u27e8"),
    ("operator()", "operator\u25ef"),
    ("operator->", "operator\u27ff"),
    (" -> ", " \u27ff "),
    (_ANONYMOUS_NAMESPACE, "\u3014anonymousnamespace\u3015"),
)
_ARROW = "\u27ff"
_KEPT_ARGUMENTS = frozenset({"anonymous namespace", "operator"})


def _replace_enclosed(text: str, opener: str, replace: Callable[[str, int], str]) -> str:
    """Replace each outermost ``opener…closer`` span by ``replace(inside, start_index)``."""
    if opener not in text:
        return text
    closer = _CLOSERS[opener]
    depth = 0
    start = 0
    out: list[str] = []
    for index, char in enumerate(text):
        if char == opener:
            if depth == 0:
                start = index
            depth += 1
        elif char == closer and depth:
            depth -= 1
            if depth == 0:
                out.append(replace(text[start + 1 : index], start))
        elif depth == 0:
            out.append(char)
    return "".join(out)


def _tokens(text: str) -> list[str]:
    """Split on whitespace outside brackets."""
    if _TOKEN_BREAK.search(text) is None:
        return [text] if text else []
    tokens: list[str] = []
    current: list[str] = []
    expected: list[str] = []
    for char in text:
        if char in _CLOSERS:
            expected.append(_CLOSERS[char])
        elif expected and char == expected[-1]:
            expected.pop()
        elif not expected and char.isspace():
            if current:
                tokens.append("".join(current))
            current = []
            continue
        current.append(char)
    if current:
        tokens.append("".join(current))
    return tokens


def _generics(inside: str, start: int) -> str:
    if inside == "lambda" or _LAMBDA.match(inside):
        return f"<{inside}>"
    if start > 0:
        return "<T>"
    # A leading <Foo as Bar>::baz (Rust trait impl): keep the type, drop the trait.
    inside = _RUST_BLANKET_IMPL.sub("", inside)
    inside = _replace_enclosed(inside, "<", _generics)
    return inside.split(" as ", 1)[0]


def _arguments(inside: str, _start: int) -> str:
    inside = inside.strip()
    return f"({inside})" if inside in _KEPT_ARGUMENTS else ""


def _clones(inside: str, _start: int) -> str:
    return "" if inside.startswith("clone .") else f"[{inside}]"


def trim_native_function(function: str) -> str:
    if function in PLACEHOLDER_FUNCTIONS:
        return function
    original = function
    function = function.strip()
    if function.startswith(_OBJC_PREFIXES):
        return function
    function = _replace_enclosed(function, "[", _clones).rstrip()
    while (match := _TRAILER.search(function)) is not None:
        function = function[: match.start()].rstrip()
    for text, mask in _MASKS:
        function = function.replace(text, mask)
    if "lambda" in function or "$_" in function:
        function = _LAMBDA.sub("lambda", function)
    if "?A0x" in function:
        function = _MSVC_ANONYMOUS_NAMESPACE.sub(_MASKS[-1][1] + "::", function)
    function = _replace_enclosed(function, "(", _arguments)
    function = _replace_enclosed(function, "<", _generics)
    tokens = _tokens(function)
    if len(tokens) > 1 and tokens[-1] == "<T>":
        tokens.pop()
        tokens[-1] += " <T>"
    if not tokens:
        return original
    name = tokens[-1]
    if _ARROW in tokens:
        arrow = len(tokens) - 1 - tokens[::-1].index(_ARROW)
        if arrow > 0:
            name = tokens[arrow - 1]
            if name == "throws" and arrow > 1:
                name = tokens[arrow - 2]
    for text, mask in _MASKS:
        name = name.replace(mask, text)
    if "::h" in name:
        name = _RUST_HASH.sub("", name)
    if "@GLIBC_" in name:
        name = _GLIBC_VERSION.sub("", name)
    return _WINDOWS_DECORATION.sub(r"\1", name) if "@" in name else name
