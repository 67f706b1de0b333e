"""Where a batch ends: the rules that keep a batch equal to its signals one at a time."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from warroom.alerts.dedup import PendingSignal
from warroom.config import Config, load_config
from warroom.ingest.models import SignalAction, SourceKind
from warroom.pipeline.batching import cut

CONFIG = Path(__file__).parent.parent / "fixtures" / "warroom.yaml"
NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
TRIGGER, RESOLVE, ACK = SignalAction.TRIGGER, SignalAction.RESOLVE, SignalAction.ACKNOWLEDGE


def config() -> Config:
    return load_config(CONFIG)


def signal(number: int, identity: str, action: SignalAction, name: str = "Busy") -> PendingSignal:
    data = {"title": name, "labels": {"alertname": name, "datacenter": "dc1"}}
    return PendingSignal(number, SourceKind.ALERTMANAGER, action, identity, NOW, data)


def ids(signals: list[PendingSignal]) -> list[int]:
    return [s.id for s in signals]


def test_a_storm_of_triggers_is_one_batch() -> None:
    storm = [signal(n, f"fp{n}", TRIGGER) for n in range(500)]
    assert ids(cut(config(), "am", storm)) == list(range(500))
    without_counting = config().model_copy(
        update={"alert_rules": [r for r in config().alert_rules if not r.after_occurrences]}
    )
    repeated = [signal(n, f"fp{n % 50}", TRIGGER) for n in range(500)]
    assert ids(cut(without_counting, "am", repeated)) == list(range(500))


def test_with_a_rule_that_counts_occurrences_an_alert_triggers_once_per_batch() -> None:
    # tests/fixtures/warroom.yaml: noisy-warnings waits for 3 occurrences within 10m
    signals = [signal(1, "a", TRIGGER), signal(2, "b", TRIGGER), signal(3, "a", TRIGGER)]
    assert ids(cut(config(), "am", signals)) == [1, 2]


def test_a_batch_ends_before_an_alerts_second_kind_of_change() -> None:
    signals = [signal(1, "a", TRIGGER), signal(2, "b", ACK), signal(3, "a", ACK)]
    assert ids(cut(config(), "am", signals)) == [1, 2]


def test_resolves_come_before_the_triggers_of_a_batch() -> None:
    resolves_first = [signal(1, "a", RESOLVE), signal(2, "b", RESOLVE), signal(3, "c", TRIGGER)]
    assert ids(cut(config(), "am", resolves_first)) == [1, 2, 3]
    trigger_first = [signal(1, "c", TRIGGER), signal(2, "a", RESOLVE)]
    assert ids(cut(config(), "am", trigger_first)) == [1]


def test_a_trigger_that_could_inhibit_others_only_starts_a_batch() -> None:
    # tests/fixtures/warroom.yaml: DatacenterDown inhibits ServiceUnreachable (equal: datacenter)
    source = signal(2, "dc", TRIGGER, "DatacenterDown")
    signals = [signal(1, "x", TRIGGER, "ServiceUnreachable"), source, signal(3, "y", TRIGGER)]
    assert ids(cut(config(), "am", signals)) == [1]
    assert ids(cut(config(), "am", signals[1:])) == [2, 3]
