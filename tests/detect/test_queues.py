"""The queue-not-draining detector on made-up queues whose verdicts are known."""

from __future__ import annotations

import pytest

from warroom.detect.queues import QueueRule, QueueWatch, Verdict

STEP = 60.0


def feed(
    watch: QueueWatch, depths: list[float], rates: list[tuple[float, float]] | None = None
) -> list[Verdict]:
    verdicts = []
    for i, depth in enumerate(depths):
        inflow, drain = rates[i] if rates else (None, None)
        verdicts.append(watch.observe(i * STEP, depth, inflow, drain).verdict)
    return verdicts


def test_a_queue_growing_for_n_steps_is_rising_at_the_nth() -> None:
    watch = QueueWatch(QueueRule(rising_steps=3, window=3600))
    verdicts = feed(watch, [10, 11, 12, 13, 14])
    assert verdicts == [
        Verdict.DRAINING, Verdict.DRAINING, Verdict.DRAINING, Verdict.RISING, Verdict.RISING,
    ]  # fmt: skip


def test_growth_while_drain_outpaces_inflow_is_not_rising() -> None:
    # A burst is being worked off faster than it comes in: depth grows a little (the
    # burst lands between scrapes) but drain > inflow each step.
    watch = QueueWatch(QueueRule(rising_steps=3, window=3600))
    rates = [(5.0, 8.0)] * 5
    assert Verdict.RISING not in feed(watch, [10, 11, 12, 13, 14], rates)


def test_growth_with_drain_behind_inflow_is_rising_and_says_why() -> None:
    watch = QueueWatch(QueueRule(rising_steps=2, window=3600))
    watch.observe(0, 10, 5, 3)
    watch.observe(60, 12, 5, 3)
    found = watch.observe(120, 14, 5, 3)
    assert found.verdict is Verdict.RISING
    assert found.reason == "grew 2 steps in a row (drain 3 <= inflow 5)"


def test_a_flat_backlog_above_threshold_for_the_window_is_stuck() -> None:
    watch = QueueWatch(QueueRule(rising_steps=5, window=300, threshold=100))
    verdicts = feed(watch, [500] * 7)
    # Above since t=0; the window of 300 s is covered from t=300 (the 6th observation).
    assert verdicts == [Verdict.DRAINING] * 5 + [Verdict.STUCK] * 2


def test_a_backlog_going_down_is_not_stuck() -> None:
    watch = QueueWatch(QueueRule(rising_steps=5, window=300, threshold=100))
    verdicts = feed(watch, [500, 520, 510, 490, 480, 470, 460, 450])
    assert Verdict.STUCK not in verdicts


def test_below_threshold_is_fine_and_resets() -> None:
    watch = QueueWatch(QueueRule(rising_steps=2, window=120, threshold=100))
    verdicts = feed(watch, [50, 40, 30, 200, 200, 200, 90, 200, 200])
    assert verdicts == [
        Verdict.DRAINING, Verdict.DRAINING, Verdict.DRAINING,  # at or below 100
        Verdict.DRAINING, Verdict.DRAINING, Verdict.STUCK,  # 200 for 120 s
        Verdict.DRAINING,  # back to 90
        Verdict.DRAINING, Verdict.DRAINING,  # above again, the window starts over
    ]  # fmt: skip


def test_a_drop_ends_rising_at_once() -> None:
    watch = QueueWatch(QueueRule(rising_steps=2, window=3600))
    assert feed(watch, [1, 2, 3, 2]) == [
        Verdict.DRAINING, Verdict.DRAINING, Verdict.RISING, Verdict.DRAINING,
    ]  # fmt: skip


def test_state_stays_within_the_window() -> None:
    watch = QueueWatch(QueueRule(rising_steps=5, window=600))
    feed(watch, [float(i % 7) for i in range(10_000)])
    assert len(watch._recent) <= 600 / STEP + 1


@pytest.mark.parametrize(("fields", "message"), [
    ({"rising_steps": 1}, "rising_steps must be at least 2"),
    ({"window": 0}, "window must be positive"),
])  # fmt: skip
def test_bad_rules_are_refused(fields: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        QueueRule(**fields)  # type: ignore[arg-type]
