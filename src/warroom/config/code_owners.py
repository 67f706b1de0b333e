"""Ownership rules in Sentry's syntax: ``<type>:<pattern> <owner> [<owner> ...]``.

* ``path:src/billing/** #payments`` — a frame's ``filename`` or ``abs_path``;
* ``module:app.billing.* #payments`` — a frame's ``module``;
* ``url:https://*.example.com/checkout/* #web`` — the request URL;
* ``tags.customer_tier:enterprise #vip`` — the value of an event tag;
* ``codeowners:/src/billing/ #payments`` — a path in GitHub CODEOWNERS syntax.

A rule without a type is a ``path`` rule, as in Sentry. A pattern with spaces is written in
double quotes. Owners are teams (``#slug``) or people (an email, lowercased).

Globs (case-insensitive except for tags): ``*`` and ``**`` match any run of characters,
``/`` and ``.`` included, and ``?`` one character, so ``path:src/billing/*`` also matches
``src/billing/v2/tax.py`` (Sentry's rule). ``codeowners`` patterns follow GitHub instead:
``*`` stays within one directory, ``**`` crosses them, a pattern with no inner ``/`` matches
a file or directory of that name at any depth, a trailing ``/`` means everything under the
directory; since frame paths carry a deploy prefix (``/app/src/...``), patterns are matched
at any directory boundary. Backslashes in paths read as ``/``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

PATH = "path"
MODULE = "module"
URL = "url"
CODEOWNERS = "codeowners"
TAGS = "tags"
KINDS = (PATH, MODULE, URL, CODEOWNERS)
_TAG_PREFIX = "tags."
_TEAM_PREFIX = "#"
_QUOTE = '"'
_TYPE_PREFIX = re.compile(r"(?P<kind>tags\.[^:\s]*|[A-Za-z_]{2,}):")
_TEAM_SLUG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_MAX_PATTERN_CHARS = 1000


@dataclass(frozen=True)
class OwnershipRule:
    """One parsed rule; ``key`` is the tag name of a ``tags.<key>`` rule."""

    kind: str
    key: str | None
    pattern: str
    owners: tuple[str, ...]
    text: str
    owner_is_team: tuple[bool, ...] = ()
    """Per owner: True for a team (``#slug``), False for a person (email)."""

    @property
    def teams(self) -> tuple[str, ...]:
        """Team slugs, in rule order, without ``#``."""
        return tuple(
            owner.removeprefix(_TEAM_PREFIX)
            for owner, is_team in zip(self.owners, self.owner_is_team, strict=True)
            if is_team
        )

    def matches(self, value: str) -> bool:
        """Whether ``value`` (a path, module, URL or tag value, by kind) fits the pattern."""
        return _compiled(self.kind, self.pattern).search(_prepared(self.kind, value)) is not None


def parse_ownership_rule(text: str) -> OwnershipRule:
    """Parse one rule; ``ValueError`` says what is wrong with it."""
    rest = text.strip()
    if not rest:
        raise ValueError("empty rule: expected '<type>:<pattern> #team'")
    if rest.startswith(_TEAM_PREFIX):
        raise ValueError(f"{rest.split()[0]!r} comes first: a rule starts with '<type>:<pattern>'")
    kind, key = PATH, None
    prefix = _TYPE_PREFIX.match(rest)
    if prefix:
        kind = prefix["kind"]
        rest = rest[prefix.end() :]
        if kind.startswith(_TAG_PREFIX):
            key = kind[len(_TAG_PREFIX) :]
            if not key:
                raise ValueError("'tags.' needs a tag name, as in 'tags.customer_tier:enterprise'")
            kind = TAGS
        elif kind not in KINDS:
            raise ValueError(
                f"unknown matcher type {kind!r}: expected path, module, url, codeowners "
                "or tags.<name>"
            )
    pattern, rest = _pattern(rest, kind)
    owners = tuple(rest.split())
    if not owners:
        raise ValueError(
            f"{kind}:{pattern} has no owners: add one or more '#team' or emails after the pattern"
        )
    is_team = tuple(_owner_is_team(owner) for owner in owners)
    owners = tuple(
        owner if team else owner.lower() for owner, team in zip(owners, is_team, strict=True)
    )
    rule = OwnershipRule(kind, key, pattern, owners, text.strip(), is_team)
    _compiled(kind, pattern)
    return rule


def _pattern(rest: str, kind: str) -> tuple[str, str]:
    if rest.startswith(_QUOTE):
        match = re.match(r'"((?:[^"\\]|\\.)*)"', rest)
        if match is None:
            raise ValueError(f"the quoted {kind} pattern has no closing '\"'")
        pattern = re.sub(r"\\(.)", r"\1", match[1])
        rest = rest[match.end() :]
        if rest and not rest[0].isspace():
            raise ValueError("put a space between the quoted pattern and the owners")
    elif rest[:1].isspace():
        pattern = ""
    else:
        pattern, _, rest = rest.partition(" ")
    if not pattern:
        raise ValueError(f"the {kind} pattern is empty: write it right after '{kind}:'")
    if len(pattern) > _MAX_PATTERN_CHARS:
        raise ValueError(f"the {kind} pattern is longer than {_MAX_PATTERN_CHARS} characters")
    if pattern.startswith(_TEAM_PREFIX):
        raise ValueError(f"{pattern!r} looks like an owner: the {kind} pattern is missing")
    return pattern, rest


def _owner_is_team(owner: str) -> bool:
    if owner.startswith(_TEAM_PREFIX):
        slug = owner[len(_TEAM_PREFIX) :]
        if not slug:
            raise ValueError("'#' needs a team name, as in '#payments'")
        if not _TEAM_SLUG.fullmatch(slug):
            raise ValueError(f"{owner!r} is not a team: use letters, digits, '-', '_' or '.'")
        return True
    if _EMAIL.fullmatch(owner):
        return False
    raise ValueError(f"owner {owner!r} is neither a team ('#slug') nor an email")


def _prepared(kind: str, value: str) -> str:
    if kind in (PATH, CODEOWNERS):
        return value.replace("\\", "/")
    return value


@lru_cache(maxsize=1024)
def _compiled(kind: str, pattern: str) -> re.Pattern[str]:
    if kind == CODEOWNERS:
        return re.compile(_codeowners_regex(pattern), re.IGNORECASE)
    if kind in (PATH, MODULE):
        pattern = pattern.replace("\\", "/")
    flags = 0 if kind == TAGS else re.IGNORECASE
    return re.compile(_glob_regex(pattern) + r"\Z", flags | re.DOTALL)


def _glob_regex(pattern: str) -> str:
    """Sentry's glob, anchored at both ends: ``*``/``**`` any run, ``?`` one character."""
    parts = ["\\A"]
    for token in re.split(r"(\*+|\?)", pattern):
        if token.startswith("*"):
            parts.append(".*")
        elif token == "?":
            parts.append(".")
        else:
            parts.append(re.escape(token))
    return "".join(parts)


def _codeowners_regex(pattern: str) -> str:
    pattern = pattern.replace("\\", "/")
    directory = pattern.endswith("/")
    core = pattern.strip("/")
    parts = []
    for token in re.split(r"(\*\*/|/\*\*|\*\*|\*|\?)", core):
        if token == "**/":
            parts.append("(?:.*/)?")
        elif token == "/**":
            parts.append("/.*")
        elif token == "**":
            parts.append(".*")
        elif token == "*":
            parts.append("[^/]*")
        elif token == "?":
            parts.append("[^/]")
        else:
            parts.append(re.escape(token))
    # Deploy prefixes make every path look nested, so anchored patterns (a leading or inner
    # "/") start at any directory boundary, like free ones (a bare name); a match ends the
    # path or a directory name.
    if directory:
        end = "/"
    elif core.endswith("*") and not core.endswith("**"):
        end = "\\Z"  # "docs/*": the files in docs, not those of its subdirectories
    else:
        end = "(?:/|\\Z)"
    return "(?:\\A|/)" + "".join(parts) + end
