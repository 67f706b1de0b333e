"""Retention: raw signals, alert events, deliveries, jobs and error events are pruned by age
and count as configured, in small batches; what may not go (pending work, incidents, alerts,
error issues) stays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, Table, func, select

from tests.db.revision_rows import build, reflect
from tests.support.clock import FakeClock
from warroom.config import LiveConfig
from warroom.config.retention import RetentionPolicy, RetentionSettings
from warroom.db.engine import make_session_factory
from warroom.pipeline.retention import KINDS, Pruner, prune

NOW = datetime(2026, 3, 30, 12, 0, tzinfo=UTC)
KEPT_TABLES = ("incidents", "alerts", "error_issues", "counters")
PRUNABLE = {
    "signals": {"processed_at": "at"},
    "deliveries": {"status": "delivered"},
    "jobs": {"status": "done"},
}
"""Per kind: the values that make a row prunable ("at" = its timestamp)."""
NOT_PRUNABLE = {
    "signals": {"processed_at": None},
    "deliveries": {"status": "pending"},
    "jobs": {"status": "dead"},
}


def _moment(connection: Connection, moment: datetime) -> datetime:
    return moment if connection.dialect.name == "postgresql" else moment.replace(tzinfo=None)


def add_rows(
    connection: Connection, kind: str, ages_days: list[float], prunable: bool = True
) -> list[int]:
    """Rows of ``kind`` made ``ages_days`` old (by the column retention reads), from the row
    the schema-wide builder made; returns their ids."""
    table: Table = reflect(connection).tables[kind]
    template = dict(connection.execute(select(table).limit(1)).mappings().one())
    at = next(k.at for k in KINDS if k.name == kind)
    start = int(connection.execute(select(func.max(table.c.id))).scalar_one()) + 1
    ids, rows = [], []
    for offset, age in enumerate(ages_days):
        row: dict[str, Any] = {
            key: f"{value}-{start + offset}" if isinstance(value, str) else value
            for key, value in template.items()
        }
        row["id"] = start + offset
        row[at] = _moment(connection, NOW - timedelta(days=age))
        for column, value in (PRUNABLE if prunable else NOT_PRUNABLE).get(kind, {}).items():
            row[column] = row[at] if value == "at" else value
        rows.append(row)
        ids.append(start + offset)
    connection.execute(table.insert(), rows)
    return ids


def remaining(connection: Connection, kind: str, ids: list[int]) -> list[int]:
    table = reflect(connection).tables[kind]
    return sorted(connection.execute(select(table.c.id).where(table.c.id.in_(ids))).scalars())


def counts(connection: Connection) -> dict[str, int]:
    tables = reflect(connection).tables
    return {
        name: int(connection.execute(select(func.count()).select_from(tables[name])).scalar_one())
        for name in KEPT_TABLES
    }


def settings(**policies: RetentionPolicy) -> RetentionSettings:
    none = RetentionPolicy(max_age=None, max_rows=None)
    return RetentionSettings(**{k.name: policies.get(k.name, none) for k in KINDS})


@pytest.fixture
def filled(engine: Engine) -> Engine:
    with engine.begin() as connection:
        build(connection)
    return engine


@pytest.mark.parametrize("kind", [k.name for k in KINDS])
def test_rows_older_than_max_age_are_removed_and_the_rest_kept(filled: Engine, kind: str) -> None:
    with filled.begin() as connection:
        old = add_rows(connection, kind, [40, 31, 30.5])
        young = add_rows(connection, kind, [29.9, 3, 0])
        before = counts(connection)
    report = prune(
        make_session_factory(filled),
        settings(**{kind: RetentionPolicy(max_age=timedelta(days=30))}),
        NOW,
    )
    assert report.removed[kind] == 3
    with filled.connect() as connection:
        assert remaining(connection, kind, old + young) == young
        assert counts(connection) == before


@pytest.mark.parametrize("kind", ["signals", "deliveries", "jobs"])
def test_unfinished_work_is_never_pruned_however_old(filled: Engine, kind: str) -> None:
    with filled.begin() as connection:
        pending = add_rows(connection, kind, [400, 200], prunable=False)
        done = add_rows(connection, kind, [400, 200])
    prune(
        make_session_factory(filled),
        settings(**{kind: RetentionPolicy(max_age=timedelta(days=1), max_rows=1)}),
        NOW,
    )
    with filled.connect() as connection:
        assert remaining(connection, kind, pending + done) == pending


@pytest.mark.parametrize("kind", [k.name for k in KINDS])
def test_only_the_newest_max_rows_are_kept(filled: Engine, kind: str) -> None:
    with filled.begin() as connection:
        ids = add_rows(connection, kind, [5, 4, 3, 2, 1])
    prune(make_session_factory(filled), settings(**{kind: RetentionPolicy(max_rows=3)}), NOW)
    with filled.connect() as connection:
        assert remaining(connection, kind, ids) == ids[-3:]


def test_a_backlog_goes_in_batches_of_batch_size_none_of_them_long(filled: Engine) -> None:
    with filled.begin() as connection:
        old = add_rows(connection, "signals", [20 + i / 1000 for i in range(3000)])
        young = add_rows(connection, "signals", [1] * 150)
    policy = settings(signals=RetentionPolicy(max_age=timedelta(days=14))).model_copy(
        update={"batch_size": 200}
    )
    report = prune(make_session_factory(filled), policy, NOW)
    assert report.removed["signals"] == 3000 + 2
    assert report.batches == 16  # 3152 rows in id order, 200 at a time
    assert report.longest_batch_seconds < 0.5
    with filled.connect() as connection:
        assert remaining(connection, "signals", old + young) == young


def test_the_stage_prunes_at_most_once_per_every(filled: Engine) -> None:
    clock = FakeClock(NOW)
    factory = make_session_factory(filled)
    live = LiveConfig(None)
    pruner = Pruner()
    pruner(factory, live, clock())
    with filled.begin() as connection:
        ids = add_rows(connection, "jobs", [8])
    pruner(factory, live, clock.advance(minutes=9))
    with filled.connect() as connection:
        assert remaining(connection, "jobs", ids) == ids
    pruner(factory, live, clock.advance(minutes=1))
    with filled.connect() as connection:
        assert remaining(connection, "jobs", ids) == []
