"""The transactions indicator on both databases: failed transactions of one name over all
of them, minute buckets starting inside the window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from warroom.config.slos import TransactionsIndicator
from warroom.db.engine import make_session_factory
from warroom.detect.slo.indicators import transaction_ratio
from warroom.errors.health_models import TransactionMinute

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def test_failed_transactions_of_one_name_over_the_window(engine: Engine) -> None:
    with make_session_factory(engine)() as session:
        for minute in range(10):
            at = NOW - timedelta(minutes=10 - minute)
            session.add(TransactionMinute(project_id=42, name="/checkout", minute=at,
                                          count=100, errors=minute))  # fmt: skip
            session.add(TransactionMinute(project_id=42, name="/health", minute=at,
                                          count=1000, errors=0))  # fmt: skip
            session.add(TransactionMinute(project_id=7, name="/checkout", minute=at,
                                          count=100, errors=100))  # fmt: skip
        session.commit()
        checkout = transaction_ratio(
            session,
            42,
            TransactionsIndicator(kind="transactions", project="api", transaction="/checkout"),
        )
        # The last 5 minutes: buckets 09:55-09:59 with 5..9 errors of 100 each.
        assert checkout.ratio(timedelta(minutes=5), NOW) == (5 + 6 + 7 + 8 + 9) / 500
        everything = transaction_ratio(
            session, 42, TransactionsIndicator(kind="transactions", project="api")
        )
        assert everything.ratio(timedelta(minutes=10), NOW) == sum(range(10)) / 11000
        assert checkout.ratio(timedelta(minutes=5), NOW - timedelta(hours=1)) is None
