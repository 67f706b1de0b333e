"""WAL checkpoints of a serving SQLite database run on a thread of their own."""

from __future__ import annotations

import os
import time
from pathlib import Path

from sqlalchemy import text

from warroom.db.checkpoint import SAFETY_NET_PAGES, checkpoint_in_background, database_file
from warroom.db.engine import make_engine

ROWS = 400
ROW_BYTES = 4000


def test_the_thread_copies_the_wal_into_the_database_and_commits_never_do(
    tmp_path: Path,
) -> None:
    path = tmp_path / "served.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE payload (id INTEGER PRIMARY KEY, body TEXT)"))
    checkpointer = checkpoint_in_background(engine)
    assert checkpointer is not None
    try:
        with engine.connect() as conn:  # a connection opened after the switch
            setting = conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()
            conn.rollback()
        assert setting == SAFETY_NET_PAGES  # commits leave checkpoints to the thread
        size_before = os.path.getsize(path)
        seen = checkpointer.checkpoints
        for _ in range(ROWS):
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO payload (body) VALUES (:b)"), {"b": "x" * ROW_BYTES})

        deadline = time.monotonic() + 10
        while checkpointer.checkpoints < seen + 2 and time.monotonic() < deadline:
            time.sleep(0.05)

        # Far below the safety net, so only the thread can have copied the pages back.
        assert os.path.getsize(path) >= size_before + ROWS * ROW_BYTES
    finally:
        checkpointer.stop()
        engine.dispose()


def test_only_file_based_sqlite_gets_a_checkpointer(tmp_path: Path) -> None:
    assert database_file(make_engine("sqlite://")) is None
    assert checkpoint_in_background(make_engine("sqlite:///:memory:")) is None
    assert database_file(make_engine("postgresql+psycopg://u@127.0.0.1:1/db")) is None
    assert database_file(make_engine(f"sqlite:///{tmp_path / 'a.db'}")) == str(tmp_path / "a.db")
