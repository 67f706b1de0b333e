"""Quotas per project and key, and spike protection, on a clock the test moves."""

from __future__ import annotations

from typing import Any

from warroom.config.projects import DEFAULT_SPIKE_FLOOR, DEFAULT_SPIKE_MULTIPLE, Project
from warroom.ingest.sentry.quotas import BURST_SECONDS, SECONDS_PER_MINUTE, Limited, Quotas

MINUTE = float(SECONDS_PER_MINUTE)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def project(**fields: Any) -> Project:
    base: dict[str, Any] = {
        "slug": "api",
        "id": 1,
        "team": "payments",
        "keys": [{"public_key": "abcdefgh12345678"}],
    }
    return Project.model_validate({**base, **fields})


def test_a_quota_lets_ten_seconds_worth_through_then_its_rate() -> None:
    clock = Clock()
    quotas, api = Quotas(clock), project(events_per_minute=60)
    key = api.keys[0]
    burst = int(60 / SECONDS_PER_MINUTE * BURST_SECONDS)
    assert [quotas.admit(api, key, 1) for _ in range(burst)] == [None] * burst
    assert quotas.admit(api, key, 1) == Limited(1, "project", "project_quota")
    clock.now += 1
    assert quotas.admit(api, key, 1) is None


def test_a_keys_limit_comes_before_the_projects() -> None:
    clock = Clock()
    api = project(
        events_per_minute=600,
        keys=[{"public_key": "abcdefgh12345678", "events_per_minute": 6}],
    )
    quotas = Quotas(clock)
    assert quotas.admit(api, api.keys[0], 1) is None
    limited = quotas.admit(api, api.keys[0], 1)
    assert limited is not None and (limited.scope, limited.reason) == ("key", "key_quota")
    assert limited.header() == f"{limited.retry_after}:error;default:key:key_quota"


def test_spike_protection_throttles_ten_times_the_projects_own_rate() -> None:
    clock = Clock()
    quotas, api = Quotas(clock), project()
    key = api.keys[0]
    steady = 100  # events per minute, for half an hour
    for _ in range(30):
        assert quotas.admit(api, key, steady) is None
        clock.now += MINUTE
    limit = max(DEFAULT_SPIKE_FLOOR, DEFAULT_SPIKE_MULTIPLE * steady)
    assert quotas.admit(api, key, limit) is None
    limited = quotas.admit(api, key, 1)
    assert limited is not None and limited.reason == "spike_protection"
    assert 1 <= limited.retry_after <= SECONDS_PER_MINUTE
    clock.now += MINUTE  # a new minute
    assert quotas.admit(api, key, steady) is None


def test_spike_protection_waits_for_history_and_can_be_turned_off() -> None:
    clock = Clock()
    key_doc = [{"public_key": "abcdefgh12345678"}]
    quotas, fresh = Quotas(clock), project(keys=key_doc)
    assert quotas.admit(fresh, fresh.keys[0], 50_000) is None  # no baseline yet
    off = project(slug="off", id=2, spike_protection=False, keys=[{"public_key": "zzzzzzzz1"}])
    for _ in range(20):
        quotas.admit(off, off.keys[0], 10)
        clock.now += MINUTE
    assert quotas.admit(off, off.keys[0], 100_000) is None
