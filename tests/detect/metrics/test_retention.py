"""Folding old raw samples into 5-minute averages, and expiring old averages."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, select

from tests.conftest import TEST_CONFIG
from warroom.config import LiveConfig
from warroom.db.engine import make_session_factory
from warroom.detect.metrics import store
from warroom.detect.metrics.embedded import EmbeddedSource
from warroom.detect.metrics.models import MetricSample, Resolution
from warroom.detect.metrics.retention import BUCKET_MS, MetricRetention, expire, fold

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LABELS = {"__name__": "m"}


def _write(engine: Engine, points: list[tuple[int, float]]) -> None:
    with make_session_factory(engine)() as session:
        store.write(session, [store.Point(LABELS, at, v) for at, v in points], NOW)
        session.commit()


def _rows(engine: Engine) -> list[tuple[Resolution, int, float]]:
    with make_session_factory(engine)() as session:
        return [
            (r, at, v)
            for r, at, v in session.execute(
                select(MetricSample.resolution, MetricSample.at_ms, MetricSample.value).order_by(
                    MetricSample.resolution, MetricSample.at_ms
                )
            )
        ]


def test_fold_averages_whole_buckets_before_the_cutoff(engine: Engine) -> None:
    _write(engine, [(0, 1.0), (60_000, 3.0), (BUCKET_MS, 10.0), (2 * BUCKET_MS + 1, 7.0)])
    with make_session_factory(engine)() as session:
        assert fold(session, 2 * BUCKET_MS + 30_000) == 3
        session.commit()
    assert _rows(engine) == [
        (Resolution.FIVE_MINUTES, 0, 2.0),
        (Resolution.FIVE_MINUTES, BUCKET_MS, 10.0),
        (Resolution.RAW, 2 * BUCKET_MS + 1, 7.0),
    ]


def test_a_full_batch_leaves_its_last_bucket_for_the_next_pass(engine: Engine) -> None:
    _write(engine, [(0, 1.0), (BUCKET_MS, 2.0), (BUCKET_MS + 1000, 4.0)])
    with make_session_factory(engine)() as session:
        assert fold(session, 10 * BUCKET_MS, batch=2) == 1
        assert fold(session, 10 * BUCKET_MS, batch=2) == 2
        session.commit()
    assert _rows(engine) == [
        (Resolution.FIVE_MINUTES, 0, 1.0),
        (Resolution.FIVE_MINUTES, BUCKET_MS, 3.0),
    ]


def test_folded_averages_are_read_before_the_first_raw_sample(engine: Engine) -> None:
    _write(engine, [(0, 1.0), (60_000, 3.0), (BUCKET_MS + 60_000, 5.0)])
    with make_session_factory(engine)() as session:
        fold(session, BUCKET_MS)
        session.commit()
    source = EmbeddedSource(make_session_factory(engine))
    series = source.query_range("m", 0, BUCKET_MS + 60, 60)
    values = {s.at: s.value for s in series[0].samples}
    assert values[0] == 2.0
    assert values[BUCKET_MS / 1000 + 60] == 5.0


def test_expire_drops_old_averages_only(engine: Engine) -> None:
    _write(engine, [(0, 1.0), (BUCKET_MS, 2.0)])
    with make_session_factory(engine)() as session:
        fold(session, 2 * BUCKET_MS)
        assert expire(session, BUCKET_MS) == 1
        session.commit()
    assert _rows(engine) == [(Resolution.FIVE_MINUTES, BUCKET_MS, 2.0)]


def test_stage_uses_the_configured_retention(engine: Engine) -> None:
    now_ms = round(NOW.timestamp() * 1000)
    old = now_ms - 16 * 86_400_000
    _write(engine, [(old, 4.0), (now_ms - 1000, 9.0)])
    stage = MetricRetention()
    factory = make_session_factory(engine)
    assert stage(factory, LiveConfig(TEST_CONFIG), NOW) == 1
    assert stage(factory, LiveConfig(TEST_CONFIG), NOW) == 0
    assert [r[0] for r in _rows(engine)] == [Resolution.FIVE_MINUTES, Resolution.RAW]
