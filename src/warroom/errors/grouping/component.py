"""Grouping components, variants and the result of grouping one event.

A component is a node of the tree grouping builds (``exception`` → ``stacktrace`` →
``frame`` → ``module``/``filename``/``function``/``context-line``). Its leaves are the values
that may go into the hash; ``contributes`` says whether they do and ``hint`` why not. A
variant's hash is the MD5 of the values of its contributing components, concatenated without
separator.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

CONFIG_ID = "newstyle:2023-01-11"
"""The Sentry grouping configuration this implementation reproduces."""


class Component:
    """One node of a grouping tree. Mutable while the tree is built, then left alone.

    Frame components are shared between variants and events (they are cached), so nothing
    updates them once built: marking a frame as not contributing wraps it in a new one.
    """

    __slots__ = ("_hash", "_leaves", "contributes", "hint", "id", "values")

    def __init__(
        self,
        id: str,
        values: list[Component | str] | None = None,
        *,
        contributes: bool | None = None,
        hint: str | None = None,
    ) -> None:
        self.id = id
        self.values: list[Component | str] = values or []
        self.hint = hint
        self.contributes = _contributes(self.values) if contributes is None else contributes
        self._leaves: tuple[str, ...] | None = None
        self._hash: str | None = None

    def update(
        self,
        *,
        values: list[Component | str] | None = None,
        contributes: bool | None = None,
        hint: str | None = None,
    ) -> None:
        """Sentry's rule: new values recompute ``contributes`` unless it is given too."""
        self._leaves = self._hash = None
        if hint is not None:
            self.hint = hint
        if values is not None:
            self.values = values
            if contributes is None:
                contributes = _contributes(values)
        if contributes is not None:
            self.contributes = contributes

    def iter_values(self) -> tuple[str, ...]:
        """The leaf values that count: those under contributing components only."""
        leaves = self._leaves
        if leaves is None:
            if not self.contributes:
                leaves = ()
            else:
                collected: list[str] = []
                for value in self.values:
                    if isinstance(value, Component):
                        collected.extend(value.iter_values())
                    else:
                        collected.append(value)
                leaves = tuple(collected)
            self._leaves = leaves
        return leaves

    def has_contributing(self, id: str) -> bool:
        """Whether a contributing component ``id`` sits under this one (through contributors)."""
        return any(
            isinstance(value, Component)
            and value.contributes
            and (value.id == id or value.has_contributing(id))
            for value in self.values
        )

    def hash(self) -> str | None:
        """MD5 of the contributing values, None when the component does not contribute."""
        if not self.contributes:
            return None
        if self._hash is None:
            self._hash = hash_values(self.iter_values())
        return self._hash

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "contributes": self.contributes,
            "hint": self.hint,
            "values": [v.to_dict() if isinstance(v, Component) else v for v in self.values],
        }

    def render(self, depth: int = 0) -> Iterator[str]:
        marker = "+" if self.contributes else "-"
        leaves = [json.dumps(v) for v in self.values if not isinstance(v, Component)]
        line = f"{'  ' * depth}{marker} {self.id}"
        if leaves:
            line += " " + " ".join(leaves)
        if self.hint:
            line += f"  ({self.hint})"
        yield line
        for value in self.values:
            if isinstance(value, Component):
                yield from value.render(depth + 1)

    def __repr__(self) -> str:
        return f"Component({self.id!r}, {self.values!r}, contributes={self.contributes})"


def _contributes(values: list[Component | str]) -> bool:
    for value in values:  # noqa: SIM110 (a plain loop: this runs for every component built)
        if isinstance(value, str) or value.contributes:
            return True
    return False


def hash_values(values: Iterable[str]) -> str:
    joined = "".join(values).encode("utf-8", "replace")
    return hashlib.md5(joined, usedforsecurity=False).hexdigest()


@dataclass(frozen=True)
class Variant:
    """One way of hashing the event: ``app``, ``system``, ``default`` or a fingerprint."""

    name: str
    description: str
    hash: str | None
    component: Component | None = None
    fingerprint: tuple[str, ...] | None = None
    """The resolved custom fingerprint (custom and salted variants)."""
    hint: str | None = None

    @property
    def contributes(self) -> bool:
        return self.hash is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "hash": self.hash,
            "contributes": self.contributes,
            "hint": self.hint,
            "fingerprint": list(self.fingerprint) if self.fingerprint is not None else None,
            "component": self.component.to_dict() if self.component is not None else None,
        }


@dataclass(frozen=True)
class Grouping:
    """The hashes an event is grouped by (primary first) and how each was computed."""

    hashes: list[str]
    variants: list[Variant] = field(default_factory=list)
    config: str = CONFIG_ID

    def variant(self, name: str) -> Variant | None:
        return next((v for v in self.variants if v.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "config": self.config,
            "hashes": list(self.hashes),
            "variants": [variant.to_dict() for variant in self.variants],
        }

    def explain(self) -> str:
        """A text a person can read: each variant, its hash, and the tree marked + / -."""
        lines = [f"Grouping config: {self.config}", "Hashes (primary first):"]
        lines += [f"  {h}" for h in self.hashes]
        for variant in self.variants:
            state = variant.hash if variant.hash else "does not contribute"
            lines.append("")
            lines.append(f"{variant.name} ({variant.description}): {state}")
            if variant.hint:
                lines.append(f"  {variant.hint}")
            if variant.fingerprint is not None:
                lines.append(f"  fingerprint: {json.dumps(list(variant.fingerprint))}")
            if variant.component is not None:
                lines += [f"  {line}" for line in variant.component.render()]
        lines.append("")
        lines.append("+ contributes to the hash, - does not (the reason in parentheses).")
        return "\n".join(lines)
