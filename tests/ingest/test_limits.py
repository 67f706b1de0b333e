"""Every alert of a batch counts against the integration's rate limit: a batch larger than
the burst is taken only from a full bucket and leaves it in debt, so batching never beats
the limit and no batch is refused for ever."""

from __future__ import annotations

import math

from warroom.ingest.limits import TokenBucket


def send_until(bucket: TokenBucket, batches: list[int], seconds: float) -> int:
    """A sender retrying each batch after every 429's Retry-After (whole seconds), as
    Alertmanager does; the alerts accepted within ``seconds``."""
    now, accepted = 0.0, 0
    for batch in batches:
        while now <= seconds:
            wait = bucket.take(batch, now)
            if wait == 0:
                accepted += batch
                break
            now += max(1, math.ceil(wait))
        if now > seconds:
            break
    return accepted


def test_three_batches_of_20000_do_not_beat_50_per_second() -> None:
    bucket = TokenBucket(rate=50.0, burst=500.0, updated=0.0)
    accepted = send_until(bucket, [20_000, 20_000, 20_000], seconds=21)
    assert accepted == 20_000  # the first batch, from the full bucket; the next waits 400 s
    assert bucket.take(20_000, 21.0) == (500 - (500 - 20_000 + 21 * 50)) / 50


def test_over_a_long_run_the_rate_holds_for_big_batches() -> None:
    bucket = TokenBucket(rate=50.0, burst=500.0, updated=0.0)
    accepted = send_until(bucket, [20_000] * 20, seconds=3600)
    assert accepted == 20_000 * 10  # at t = 0, 400, 800, ... 3600 s
    paid = accepted - 20_000  # the last batch is taken on credit, and repaid after
    assert paid / 3600 == 50.0


def test_small_batches_spend_the_burst_then_the_rate() -> None:
    bucket = TokenBucket(rate=10.0, burst=100.0, updated=0.0)
    assert bucket.take(60, 0.0) == 0.0
    assert bucket.take(60, 0.0) == (60 - 40) / 10
    assert bucket.take(60, 2.0) == 0.0
    assert bucket.tokens == 0.0


def test_a_batch_as_large_as_the_burst_is_taken_from_a_full_bucket() -> None:
    bucket = TokenBucket(rate=10.0, burst=100.0, updated=0.0)
    assert bucket.take(100, 0.0) == 0.0
    assert bucket.take(101, 0.0) == 10.0  # waits for a full bucket
    assert bucket.take(101, 10.0) == 0.0
    assert bucket.tokens == -1.0
