"""Label matchers in Alertmanager's syntax: ``name="value"``, ``!=``, ``=~``, ``!~``.

Regular expressions are fully anchored, as in Alertmanager. Used by silences, inhibition
rules and alert rules alike.

A regular expression is checked with Python's ``re`` (what it accepts, and its error
messages) and evaluated by the ``regex`` module with the same syntax and meaning, because
only that one can stop: a pattern that backtracks catastrophically (``(a|aa)+`` against a
long label value) is given ``MATCH_TIMEOUT`` per label value. Alertmanager's Go engine
cannot backtrack at all; here an evaluation that runs out of time counts as "this matcher
does not match" (a silence or inhibit rule never mutes by accident, and the alert still
pages), and a warning names the pattern. Inside ``bounded(...)`` (the silence preview) it
raises ``MatcherTimeout`` instead, and the whole scope gets one shared deadline, so a
preview over many alerts answers within about that deadline.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import StrEnum

import regex
import structlog

log = structlog.get_logger("warroom.matchers")

MATCH_TIMEOUT = 0.05
"""Seconds one regular expression may take on one label value."""

MATCHER_SYNTAX = re.compile(
    r'^\s*(?P<name>[A-Za-z_][A-Za-z0-9_.]*)\s*(?P<op>=~|!~|!=|=)\s*(?P<value>"(?:[^"\\]|\\.)*"|[^"\s]*)\s*$'
)


class MatchOp(StrEnum):
    EQUAL = "="
    NOT_EQUAL = "!="
    REGEX = "=~"
    NOT_REGEX = "!~"


class MatcherError(ValueError):
    pass


class MatcherTimeout(MatcherError):
    """A regular expression ran out of time inside ``bounded(...)``."""

    def __init__(self, matcher: Matcher) -> None:
        self.matcher = matcher
        super().__init__(
            f"the regular expression of {matcher} takes too long to evaluate against the "
            "alerts' labels (it backtracks catastrophically): simplify it, e.g. no nested "
            "repetition like (a+)+ or alternatives that overlap like (a|aa)+"
        )


_deadline: ContextVar[float | None] = ContextVar("matcher_deadline", default=None)


@contextmanager
def bounded(seconds: float) -> Iterator[None]:
    """Matching within this scope (this thread or task) raises ``MatcherTimeout`` when a
    regular expression runs out of time, and all of it shares one deadline ``seconds``
    away."""
    token = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


_LEADING_FLAGS = re.compile(r"^\(\?[aiLmsux]+\)")
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_ESCAPED = {"n": "\n", "\\": "\\", '"': '"'}


def _leading_flags(pattern: str) -> tuple[str, str]:
    """Split global inline flags such as ``(?i)`` off the front of a pattern: Go's RE2
    takes them there, and Python only before the anchor that wraps the pattern."""
    found = _LEADING_FLAGS.match(pattern)
    if found is None:
        return "", pattern
    return found.group(0), pattern[found.end() :]


def _unquote(quoted: str) -> str:
    """A double-quoted matcher value as Alertmanager reads it: ``\\\\``, ``\\"`` and
    ``\\n`` are escapes, any other backslash stays (``foo\\.bar`` is a regex), and every
    other character, non-ASCII included, is itself."""
    return _ESCAPE.sub(lambda m: _ESCAPED.get(m.group(1), m.group(0)), quoted)


@dataclass(frozen=True)
class Matcher:
    name: str
    op: MatchOp
    value: str
    _regex: regex.Pattern[str] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def create(cls, name: str, op: MatchOp | str, value: str) -> Matcher:
        operator = MatchOp(op)
        compiled = None
        if operator in (MatchOp.REGEX, MatchOp.NOT_REGEX):
            flags, body = _leading_flags(value)
            anchored = rf"{flags}^(?:{body})$"
            try:
                re.compile(anchored)
                compiled = regex.compile(anchored, regex.VERSION0)
            except (re.error, regex.error) as exc:
                raise MatcherError(f"invalid regular expression {value!r}: {exc}") from None
        return cls(name, operator, value, compiled)

    @classmethod
    def parse(cls, text: str) -> Matcher:
        match = MATCHER_SYNTAX.match(text)
        if match is None:
            raise MatcherError(
                f'invalid matcher {text!r}: use name="value", name!="value", '
                'name=~"regex" or name!~"regex"'
            )
        value = match.group("value")
        if value.startswith('"'):
            value = _unquote(value[1:-1])
        return cls.create(match.group("name"), match.group("op"), value)

    def matches(self, labels: Mapping[str, str]) -> bool:
        actual = labels.get(self.name, "")
        if self.op is MatchOp.EQUAL:
            return actual == self.value
        if self.op is MatchOp.NOT_EQUAL:
            return actual != self.value
        assert self._regex is not None
        deadline = _deadline.get()
        timeout = MATCH_TIMEOUT
        if deadline is not None:
            timeout = min(timeout, deadline - time.monotonic())
            if timeout <= 0:
                raise MatcherTimeout(self)
        try:
            found = self._regex.match(actual, timeout=timeout) is not None
        except TimeoutError:
            if deadline is not None:
                raise MatcherTimeout(self) from None
            log.warning("matcher_timeout", matcher=str(self), seconds=MATCH_TIMEOUT)
            return False
        return found if self.op is MatchOp.REGEX else not found

    def __str__(self) -> str:
        escaped = self.value.replace("\\", "\\\\").replace('"', '\\"')
        return f'{self.name}{self.op.value}"{escaped}"'


def parse_all(texts: Iterable[str]) -> list[Matcher]:
    return [Matcher.parse(t) for t in texts]


def match_all(matchers: Iterable[Matcher], labels: Mapping[str, str]) -> bool:
    return all(m.matches(labels) for m in matchers)
