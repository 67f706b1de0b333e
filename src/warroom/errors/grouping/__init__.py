"""Sentry's default grouping (newstyle:2023-01-11) of a canonical event into hashes.

Precedence: a custom fingerprint, else the exception (its stack trace and type; its value
only without a contributing stack trace), else threads, else a bare stack trace, else the
message. ``compute_grouping`` returns every hash the event may join an issue by (an event
joins an issue if any hash matches), primary first, and each variant's component tree for
``warroom errors explain``. See docs/errors.md, "How errors are grouped".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from warroom.errors.grouping import fingerprint as fingerprints
from warroom.errors.grouping import strategies
from warroom.errors.grouping.component import (
    CONFIG_ID,
    Component,
    Grouping,
    Variant,
    hash_values,
)

__all__ = ["CONFIG_ID", "Component", "Grouping", "Variant", "compute_grouping"]

CUSTOM_FINGERPRINT = "custom-fingerprint"
FALLBACK = "fallback"
_STRATEGIES: tuple[tuple[str, Callable[[dict[str, Any]], strategies.Variants | None]], ...] = (
    ("exception", strategies.chained_exception),
    ("threads", strategies.threads),
    ("stack trace", strategies.stacktrace),
    ("message", strategies.message),
)
_DESCRIPTIONS = {
    strategies.APP: "in-app frames only",
    strategies.SYSTEM: "all frames",
    strategies.DEFAULT: "message",
}
_DEFAULT_FINGERPRINT = ["{{ default }}"]


def compute_grouping(event: dict[str, Any]) -> Grouping:
    """The grouping hashes and variants of a canonical event (see the module doc)."""
    roots = _default_roots(event)
    fingerprint = event.get("fingerprint") or _DEFAULT_FINGERPRINT
    defaults = sum(1 for entry in fingerprint if fingerprints.is_default(entry))
    variants: list[Variant] = []
    if defaults == 0:
        for name, root in roots.items():
            root.update(
                contributes=False, hint="ignored because custom fingerprint takes precedence"
            )
            variants.append(_variant(name, root, None))
        resolved = fingerprints.resolve(fingerprint, event)
        variants.append(
            Variant(
                CUSTOM_FINGERPRINT,
                "custom fingerprint",
                hash_values(resolved),
                None,
                tuple(resolved),
            )
        )
    elif defaults == 1 and len(fingerprint) == 1:
        variants += [_variant(name, root, root.hash()) for name, root in roots.items()]
    else:
        resolved = fingerprints.resolve(fingerprint, event)
        variants += [_salted(name, root, resolved) for name, root in roots.items()]
    if not any(variant.contributes for variant in variants):
        variants.append(
            Variant(FALLBACK, "nothing to group by", hash_values(()), hint="no variant contributes")
        )
    return Grouping(hashes=_hashes(variants), variants=variants)


def _variant(name: str, root: Component, hash: str | None) -> Variant:
    return Variant(name, _DESCRIPTIONS.get(name, name), hash, root)


def _salted(name: str, root: Component, resolved: list[str]) -> Variant:
    """A default variant with the fingerprint around it: ``{{ default }}`` → its values."""
    hash = None
    if root.contributes:
        values: list[str] = []
        for entry in resolved:
            if fingerprints.is_default(entry):
                values.extend(root.iter_values())
            else:
                values.append(entry)
        hash = hash_values(values)
    description = f"{_DESCRIPTIONS.get(name, name)}, with the custom fingerprint"
    return Variant(name, description, hash, root, tuple(resolved))


def _default_roots(event: dict[str, Any]) -> dict[str, Component]:
    """One root per variant; the first strategy with a contributing part wins."""
    winner = None
    by_variant: dict[str, list[Component | str]] = {}
    for strategy_name, strategy in _STRATEGIES:
        for variant_name, component in (strategy(event) or {}).items():
            by_variant.setdefault(variant_name, []).append(component)
            if winner is None:
                if component.contributes:
                    winner = strategy_name
            elif component.contributes and winner != strategy_name:
                component.update(
                    contributes=False, hint=f"ignored because the {winner} takes precedence"
                )
    roots = {name: Component(name, values) for name, values in by_variant.items()}
    app, system = roots.get(strategies.APP), roots.get(strategies.SYSTEM)
    if app is None or system is None:
        return roots
    if app.contributes and system.contributes and app.hash() == system.hash():
        system.update(contributes=False, hint="ignored because hash matches app variant")
    return roots


def _hashes(variants: list[Variant]) -> list[str]:
    """Distinct contributing hashes, the system variant's last (Sentry's order)."""
    ordered = sorted(variants, key=lambda variant: variant.name == strategies.SYSTEM)
    return list(dict.fromkeys(v.hash for v in ordered if v.hash is not None))
