"""Where a batch ends: the prefix of the claimed signals that one batch decides exactly as
if it took them one at a time (``tests/pipeline/test_batch_differential.py`` holds it)."""

from __future__ import annotations

from collections.abc import Sequence

from warroom.alerts import dedup
from warroom.alerts.dedup import PendingSignal
from warroom.config import Config
from warroom.ingest.models import SignalAction

ROUTED_LABELS = frozenset({"team", "service", "severity", "environment"})
"""Labels warroom decides when the alert opens: unknown for a signal not yet applied."""


def might_inhibit(config: Config, integration: str, signal: PendingSignal) -> bool:
    """Whether the signal's alert could be the source of an inhibit rule (for a matcher
    on a label warroom decides later, assume it could)."""
    data = signal.data
    labels = dict(data.get("labels") or {})
    labels.setdefault("alertname", data.get("title") or signal.identity)
    labels.setdefault("source", signal.source.value)
    labels.setdefault("integration", integration)
    return any(
        all(m.name in ROUTED_LABELS or m.matches(labels) for m in rule.source_matchers_parsed)
        for rule in config.inhibit_rules
    )


def cut(config: Config, integration: str, signals: Sequence[PendingSignal]) -> list[PendingSignal]:
    """The prefix of the claimed signals that one batch decides exactly as if it took them
    one at a time (the rest waits for the next batch):

    - no identity has signals of two actions in it (``dedup.cut``): an alert goes through
      one kind of change per batch, and every state it went through is decided;
    - resolves come before triggers: the batch's incidents follow the resolved alerts
      before the new ones are attached;
    - a trigger that could inhibit others only starts a batch: the alerts before it were
      decided without it, the ones after it with it.
    """
    prefix = dedup.cut(signals)
    triggered = False
    for index, signal in enumerate(prefix):
        if signal.action is SignalAction.RESOLVE and triggered:
            return prefix[:index]
        if signal.action is SignalAction.TRIGGER:
            if index and config.inhibit_rules and might_inhibit(config, integration, signal):
                return prefix[:index]
            triggered = True
    return prefix
