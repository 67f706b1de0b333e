"""Bulk statements write what SQLAlchemy's own executemany writes, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, insert, select

from warroom.db.base import table_of
from warroom.db.bulk import allocate_ids, bulk_insert, bulk_update
from warroom.jobs.models import Job, JobStatus

JOBS = table_of(Job)
COLUMNS = ("kind", "key", "payload", "due_at", "status", "attempts", "created_at")
NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


def rows(prefix: str) -> list[tuple[object, ...]]:
    return [
        (
            "check",
            f"{prefix}-{n}",
            {"n": n, "text": 'naïve "quoted"'} if n % 2 else {},
            NOW + timedelta(seconds=n, microseconds=n),
            JobStatus.PENDING,
            n,
            NOW,
        )
        for n in range(5)
    ]


def stored(engine: Engine, prefix: str) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        found = conn.execute(
            select(*(JOBS.c[name] for name in COLUMNS))
            .where(JOBS.c.key.startswith(prefix))
            .order_by(JOBS.c.key)
        )
        return [tuple(row) for row in found]


def test_a_bulk_insert_stores_what_sqlalchemys_insert_stores(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(insert(JOBS), [dict(zip(COLUMNS, row, strict=True)) for row in rows("core")])
        bulk_insert(JOBS, COLUMNS, conn.dialect).run(conn, rows("bulk"))

    core, bulk = stored(engine, "core"), stored(engine, "bulk")
    assert [row[2:] for row in bulk] == [row[2:] for row in core]
    assert bulk == rows("bulk")


def test_a_bulk_update_changes_only_its_columns_of_the_rows_it_names(engine: Engine) -> None:
    with engine.begin() as conn:
        bulk_insert(JOBS, COLUMNS, conn.dialect).run(conn, rows("up"))
        found = conn.execute(select(JOBS.c.key, JOBS.c.id).where(JOBS.c.key.startswith("up")))
        ids = {key: job_id for key, job_id in found}
        update = bulk_update(JOBS, ("status", "attempts"), "id", conn.dialect)
        update.run(conn, [(JobStatus.DONE, 99, ids["up-1"]), (JobStatus.DEAD, 7, ids["up-3"])])

    after = {row[1]: row for row in stored(engine, "up")}
    before = {row[1]: row for row in rows("up")}
    assert after["up-1"][4:6] == (JobStatus.DONE, 99)
    assert after["up-3"][4:6] == (JobStatus.DEAD, 7)
    for key in ("up-0", "up-2", "up-4"):
        assert after[key] == before[key]
    assert after["up-1"][:4] == before["up-1"][:4]


def test_allocated_ids_are_new_and_inserting_them_keeps_the_table_counting_on(
    engine: Engine,
) -> None:
    with engine.begin() as conn:
        bulk_insert(JOBS, COLUMNS, conn.dialect).run(conn, rows("a"))
        taken = set(conn.execute(select(JOBS.c.id)).scalars())
        ids = allocate_ids(conn, JOBS, 3)
        assert len(set(ids)) == 3
        assert not taken & set(ids)
        assert min(ids) > max(taken)
        with_ids = bulk_insert(JOBS, ("id", *COLUMNS), conn.dialect)
        with_ids.run(conn, [(i, *row) for i, row in zip(ids, rows("b"), strict=False)])
        conn.execute(insert(JOBS), [dict(zip(COLUMNS, rows("c")[0], strict=True))])
        later = conn.execute(select(JOBS.c.id).where(JOBS.c.key == "c-0")).scalar_one()
    assert later > max(ids)
    with engine.connect() as conn:
        assert allocate_ids(conn, JOBS, 0) == []
