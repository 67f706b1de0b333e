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
    on a label warroom decides later, assume it could; a resolve that carries no labels,
    such as PagerDuty's, could be anyone's)."""
    data = signal.data
    if signal.action is SignalAction.RESOLVE and not data.get("labels"):
        return True
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
    - with a rule that counts occurrences, an alert has one trigger per batch: the rules
      decide it at the occurrence that meets the count, in order with the others;
    - a trigger that could inhibit others only starts a batch: the alerts before it were
      decided without it, the ones after it with it; a resolve that could have inhibited
      others is a batch of its own: the alerts it muted are looked at again before any
      other signal changes them.
    """
    prefix = dedup.cut(signals)
    triggered = False
    inhibits = bool(config.inhibit_rules)
    counts = any(rule.after_occurrences for rule in config.alert_rules)
    triggers: set[str] = set()
    for index, signal in enumerate(prefix):
        if counts and signal.action is SignalAction.TRIGGER:
            if signal.identity in triggers:
                return prefix[:index]  # its rule is decided at this occurrence, in order
            triggers.add(signal.identity)
        if signal.action is SignalAction.RESOLVE and triggered:
            return prefix[:index]
        if signal.action is SignalAction.ACKNOWLEDGE:
            continue
        if inhibits and might_inhibit(config, integration, signal):
            if index:
                return prefix[:index]
            if signal.action is SignalAction.RESOLVE:
                return prefix[:1]  # what it muted is looked at before anything else changes
        triggered = triggered or signal.action is SignalAction.TRIGGER
    return prefix
