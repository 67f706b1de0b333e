"""SQLite runs in WAL mode with synchronous=NORMAL, as docs/operations.md says (and says what
a power loss can cost); the docs and the code must agree."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from warroom.db.engine import make_engine

OPERATIONS = Path(__file__).resolve().parents[2] / "docs" / "operations.md"


def test_sqlite_connections_use_wal_and_synchronous_normal(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    try:
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
            assert conn.execute(text("PRAGMA synchronous")).scalar_one() == 1  # NORMAL
    finally:
        engine.dispose()


def test_the_operations_guide_says_what_a_power_loss_costs() -> None:
    guide = OPERATIONS.read_text()
    assert "`synchronous=NORMAL`" in guide
    assert "power loss" in guide and "quarter second" in guide
