"""The outbox sender: a worker stage that claims due deliveries and sends them.

Claiming and marking are short transactions; sending happens between them with no
transaction open (docs/decisions/0006-outbox-leases.md). A claimed row is ``sending`` with a
lease; a row whose lease ran out belongs to a worker that died mid-send and is claimed again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from prometheus_client import Counter
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, sessionmaker

from warroom.auth.signing import signing_key
from warroom.config import Config, LiveConfig
from warroom.db.outage import Outage, is_unavailable
from warroom.notify.channels import ChannelSender, DeliveryFailed, SendContext, default_senders
from warroom.notify.models import Delivery, DeliveryStatus
from warroom.notify.retry import retry_delay
from warroom.settings import Settings

log = structlog.get_logger("warroom.notify")

LEASE = timedelta(minutes=2)
"""Longer than any channel's own timeout, so a live sender never loses its claim."""
BATCH = 25
PARALLEL_SENDS = 4
SETTLE_RETRY_SECONDS = 0.25
MAX_SETTLE_RETRY_SECONDS = 2.0
"""A settle that found the database away is tried again after 0.25 s, then twice as long
each time, up to this (see ``OutboxSender.settle_while_leased``)."""
SETTLE_OUTAGE = Outage("outbox settle")
"""Sends of one round run on this many threads, so one slow SMTP server or webhook
receiver does not hold back the other deliveries of the round."""


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    error: str | None = None
    retryable: bool = True
    response: dict[str, object] | None = None
    retry_after: float | None = None
    """Seconds the receiver asked for before the next attempt (at most ``MAX_RETRY_AFTER``)."""


MAX_RETRY_AFTER = timedelta(hours=1)
"""A receiver's ``Retry-After`` is honoured up to this long (a wrong or hostile header must
not park a page for days)."""


def next_try(config: Config, attempts: int, retry_after: float | None) -> timedelta:
    """The backoff, or the receiver's ``Retry-After`` when it asks for longer (Slack answers
    429 with one; so may a webhook receiver or its proxy)."""
    delay = retry_delay(config.notifications.retry, attempts)
    if retry_after is None:
        return delay
    return max(delay, min(timedelta(seconds=retry_after), MAX_RETRY_AFTER))


class OutboxSender:
    """``stage(session_factory, live_config, now) -> deliveries attempted``."""

    def __init__(
        self,
        settings: Settings,
        clock: Callable[[], datetime],
        senders: dict[object, ChannelSender] | None = None,
        batch: int = BATCH,
        lease: timedelta = LEASE,
        outcomes: Counter | None = None,
        parallel: int = PARALLEL_SENDS,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.senders = senders if senders is not None else dict(default_senders())
        self.batch = batch
        self.lease = lease
        self.outcomes = outcomes
        """``warroom_notification_deliveries{channel, outcome=sent|failed|dead}``."""
        self.parallel = max(parallel, 1)
        self._key: bytes | None = None
        self._pool: ThreadPoolExecutor | None = None
        """Kept from round to round: starting its threads anew each round made every round
        wait for thread starts (each a wait for the GIL under load). Its idle threads end
        when the sender is collected."""

    def __call__(
        self, session_factory: sessionmaker[Session], live: LiveConfig, now: datetime
    ) -> int:
        claimed = self.claim(session_factory, now)
        if not claimed:
            return 0
        config = live.current
        context = SendContext(
            config=config,
            public_url=self.settings.public_url,
            signing_key=self.key(session_factory, now),
            now=now,
        )
        if self.parallel == 1 or len(claimed) == 1:
            for delivery in claimed:
                self.send_and_settle(session_factory, config, delivery, context)
        else:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.parallel, thread_name_prefix="outbox")
            futures = [
                self._pool.submit(self.send_and_settle, session_factory, config, row, context)
                for row in claimed
            ]
            for future in futures:
                future.result()
        return len(claimed)

    def send_and_settle(
        self,
        session_factory: sessionmaker[Session],
        config: Config,
        delivery: Delivery,
        context: SendContext,
    ) -> None:
        outcome = self.attempt(delivery, context)
        self.settle_while_leased(session_factory, config, delivery, outcome)

    def settle_while_leased(
        self,
        session_factory: sessionmaker[Session],
        config: Config,
        claimed: Delivery,
        outcome: Outcome,
    ) -> None:
        """``settle``, tried again while the database is away, for up to half the lease:
        the send has happened, and a delivery left ``sending`` would be sent again by
        whoever claims it once its lease runs out (a page twice). Past that (or for any
        other error) the error goes up and the lease decides, as after a crash."""
        deadline = time.monotonic() + self.lease.total_seconds() / 2
        wait = SETTLE_RETRY_SECONDS
        while True:
            try:
                self.settle(session_factory, config, claimed, outcome)
            except Exception as exc:
                if not is_unavailable(exc) or time.monotonic() + wait > deadline:
                    raise
                SETTLE_OUTAGE.failed(exc, delivery_id=claimed.id)
                time.sleep(wait)
                wait = min(wait * 2, MAX_SETTLE_RETRY_SECONDS)
            else:
                SETTLE_OUTAGE.succeeded()
                return

    def key(self, session_factory: sessionmaker[Session], now: datetime) -> bytes:
        if self._key is None:
            with session_factory() as session:
                self._key = signing_key(session, now, self.settings.secret_key)
                session.commit()
        return self._key

    def claim(self, session_factory: sessionmaker[Session], now: datetime) -> list[Delivery]:
        with session_factory() as session:
            stmt = (
                select(Delivery)
                .where(
                    or_(
                        and_(Delivery.status == DeliveryStatus.PENDING, Delivery.due_at <= now),
                        and_(
                            Delivery.status == DeliveryStatus.SENDING,
                            Delivery.lease_until < now,
                        ),
                    )
                )
                .order_by(Delivery.due_at, Delivery.id)
                .limit(self.batch)
                .with_for_update(skip_locked=True)
            )
            rows = list(session.scalars(stmt))
            for row in rows:
                row.status = DeliveryStatus.SENDING
                row.lease_until = now + self.lease
                row.attempts += 1
            session.commit()
            for row in rows:
                session.expunge(row)
            return rows

    def attempt(self, delivery: Delivery, context: SendContext) -> Outcome:
        sender = self.senders.get(delivery.channel)
        if sender is None:
            return Outcome(
                False, f"no sender for channel {delivery.channel.value} (not configured)", False
            )
        try:
            response = sender.send(delivery, context)
        except DeliveryFailed as exc:
            return Outcome(False, str(exc)[:2000], exc.retryable, retry_after=exc.retry_after)
        except Exception as exc:  # a bug in a sender must not stop the outbox
            log.exception("delivery_sender_crashed", delivery_id=delivery.id)
            return Outcome(False, f"{type(exc).__name__}: {exc}"[:2000], True)
        return Outcome(True, response=response)

    def settle(
        self,
        session_factory: sessionmaker[Session],
        config: Config,
        claimed: Delivery,
        outcome: Outcome,
    ) -> None:
        now = self.clock()
        with session_factory() as session:
            row = session.scalar(
                select(Delivery).where(Delivery.id == claimed.id).with_for_update()
            )
            if row is None:
                session.rollback()
                return
            fields = {"delivery_id": row.id, "channel": row.channel.value, "key": row.key}
            if outcome.delivered:
                row.status = DeliveryStatus.DELIVERED
                row.delivered_at = now
                row.lease_until = None
                row.last_error = None
                row.response = dict(outcome.response) if outcome.response else None
                sender = self.senders.get(row.channel)
                if sender is not None:
                    sender.delivered(session, row, now)
                log.info("delivery_sent", attempts=row.attempts, **fields)
                result = "sent"
            elif outcome.retryable and row.attempts < row.max_attempts:
                row.status = DeliveryStatus.PENDING
                row.lease_until = None
                row.last_error = outcome.error
                row.due_at = now + next_try(config, row.attempts, outcome.retry_after)
                log.warning(
                    "delivery_failed",
                    attempts=row.attempts,
                    error=outcome.error,
                    retry_at=row.due_at.isoformat(),
                    **fields,
                )
                result = "failed"
            else:
                row.status = DeliveryStatus.DEAD
                row.lease_until = None
                row.last_error = outcome.error
                log.error("delivery_dead", attempts=row.attempts, error=outcome.error, **fields)
                result = "dead"
            channel = row.channel.value
            session.commit()
        if self.outcomes is not None:
            self.outcomes.labels(channel=channel, outcome=result).inc()
