"""Email subscriptions with double opt-in.

Subscribing records the address as pending and sends, through the outbox, a confirmation
email whose link is signed (``warroom.auth.signing``, at send time) and valid for 7 days.
Only a confirmed address gets public updates; every email carries a signed unsubscribe link
(also the List-Unsubscribe header). The answer to a subscribe request is the same whatever the
address's state, so the form tells nobody who subscribes.

Abuse limits: an address gets at most one confirmation email per ``RESEND_AFTER``; a page
sends at most ``PAGE_CONFIRMATIONS_PER_HOUR`` confirmations an hour across every client
(the web layer also limits requests per client address).
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from warroom.auth.signing import BadSignature, verify
from warroom.config import Config
from warroom.config.status_pages import StatusPage
from warroom.notify.models import Channel, Purpose
from warroom.notify.outbox import enqueue
from warroom.problems import Conflict, InvalidInput, WarroomError
from warroom.statuspage.models import StatusSubscriber, SubscriberStatus

CONFIRM_PURPOSE = "status-confirm"
UNSUBSCRIBE_PURPOSE = "status-unsubscribe"
CONFIRM_VALID_FOR = timedelta(days=7)
RESEND_AFTER = timedelta(hours=1)
PAGE_CONFIRMATIONS_PER_HOUR = 200
MAX_EMAIL = 254
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
"""The WHATWG form address (no spaces, quotes or line breaks), with a dot in the domain."""


class TooManyRequests(WarroomError):
    status_code = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, field="email")
        self.retry_after = retry_after


class InvalidLink(WarroomError):
    """An altered, foreign or expired link (403), or one for an address that is gone."""

    status_code = 403
    code = "invalid_link"


def normalise_email(text: str) -> str:
    address = text.strip()
    if len(address) > MAX_EMAIL or not _EMAIL.match(address):
        raise InvalidInput("email: enter an email address like name@example.com", field="email")
    local, domain = address.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def emails_configured(config: Config) -> bool:
    return config.notifications.email is not None


def _find(session: Session, page: str, email: str) -> StatusSubscriber | None:
    return session.scalar(
        select(StatusSubscriber)
        .where(StatusSubscriber.page == page, StatusSubscriber.email == email)
        .with_for_update()
    )


def _row(session: Session, page: str, email: str, now: datetime) -> StatusSubscriber:
    row = _find(session, page, email)
    if row is not None:
        return row
    try:
        with session.begin_nested():
            row = StatusSubscriber(
                page=page,
                email=email,
                status=SubscriberStatus.PENDING,
                created_at=now,
                confirmations_sent=0,
            )
            session.add(row)
    except IntegrityError:  # the same address, subscribing twice at once
        found = _find(session, page, email)
        assert found is not None
        return found
    return row


def subscribe(
    session: Session, config: Config, page: StatusPage, email: str, now: datetime
) -> StatusSubscriber:
    """Record ``email`` as pending (unless confirmed already) and send a confirmation,
    at most once per ``RESEND_AFTER``. Raises TooManyRequests past the page's hourly cap."""
    if not emails_configured(config):
        raise Conflict(
            "this status page has no email subscriptions (notifications.email is not set)",
            field="email",
        )
    address = normalise_email(email)
    row = _row(session, page.slug, address, now)
    if row.status is SubscriberStatus.CONFIRMED:
        return row
    sent = row.confirmation_sent_at
    if row.status is SubscriberStatus.UNSUBSCRIBED:
        # Back after unsubscribing (only the mailbox's owner can, with its link): a fresh
        # confirmation, whenever the last one went.
        row.status = SubscriberStatus.PENDING
        row.unsubscribed_at = None
        sent = None
    if sent is not None and now - sent < RESEND_AFTER:
        return row
    hour_ago = now - timedelta(hours=1)
    recent = session.scalar(
        select(func.count())
        .select_from(StatusSubscriber)
        .where(
            StatusSubscriber.page == page.slug,
            StatusSubscriber.confirmation_sent_at > hour_ago,
        )
    )
    if int(recent or 0) >= PAGE_CONFIRMATIONS_PER_HOUR:
        oldest = session.scalar(
            select(func.min(StatusSubscriber.confirmation_sent_at)).where(
                StatusSubscriber.page == page.slug,
                StatusSubscriber.confirmation_sent_at > hour_ago,
            )
        )
        wait = (oldest + timedelta(hours=1) - now).total_seconds() if oldest else 3600
        raise TooManyRequests(
            "too many subscriptions to this page right now: try again later",
            max(1, math.ceil(wait)),
        )
    row.confirmation_sent_at = now
    row.confirmations_sent += 1
    session.flush()
    enqueue(
        session,
        config,
        channel=Channel.EMAIL,
        target=row.email,
        purpose=Purpose.STATUS_PAGE,
        payload=confirmation_message(page, row, now),
        key=f"status-confirm:{row.id}:{row.confirmations_sent}",
        now=now,
    )
    return row


def _grant(row: StatusSubscriber) -> dict[str, Any]:
    """What a link grants: the subscriber, by id, address and page (``p`` is the signing
    module's own key for the purpose)."""
    return {"s": row.id, "e": row.email, "page": row.page}


def confirmation_message(page: StatusPage, row: StatusSubscriber, now: datetime) -> dict[str, Any]:
    return {
        "kind": "status_confirmation",
        "subject": f"Confirm your subscription to {page.title}",
        "text": (
            f"Someone, hopefully you, asked for {page.title} updates by email at {row.email}.\n"
            "Confirm with the link below (valid for 7 days). If it was not you, ignore this "
            "email: nothing more will be sent."
        ),
        "links": [
            {
                "label": "Confirm your subscription",
                "path": f"/status/{page.slug}/confirm",
                "purpose": CONFIRM_PURPOSE,
                "data": _grant(row),
                "expires_at": (now + CONFIRM_VALID_FOR).isoformat(),
            }
        ],
    }


def unsubscribe_link(page: StatusPage, row: StatusSubscriber) -> dict[str, Any]:
    return {
        "label": "Unsubscribe",
        "path": f"/status/{page.slug}/unsubscribe",
        "purpose": UNSUBSCRIBE_PURPOSE,
        "data": _grant(row),
        "unsubscribe": True,
    }


def _holder(
    session: Session,
    key: bytes,
    purpose: str,
    page: StatusPage,
    token: str,
    now: datetime,
    *,
    lock: bool = True,
) -> StatusSubscriber:
    try:
        data = verify(key, purpose, token, now)
    except BadSignature as exc:
        if "expired" in str(exc):
            raise InvalidLink("this link has expired: subscribe again", field="token") from exc
        raise InvalidLink("this link is not valid", field="token") from exc
    stmt = select(StatusSubscriber).where(StatusSubscriber.id == data.get("s"))
    row = session.scalar(stmt.with_for_update() if lock else stmt)
    if (
        row is None
        or row.email != data.get("e")
        or row.page != page.slug
        or data.get("page") != page.slug
    ):
        raise InvalidLink("this link is not valid", field="token")
    return row


def check(
    session: Session, key: bytes, purpose: str, page: StatusPage, token: str, now: datetime
) -> StatusSubscriber:
    """The subscriber a link is for (what the link's page shows before acting)."""
    return _holder(session, key, purpose, page, token, now, lock=False)


def confirm(
    session: Session, key: bytes, page: StatusPage, token: str, now: datetime
) -> StatusSubscriber:
    """Confirm the pending address of a confirmation link (again: no change)."""
    row = _holder(session, key, CONFIRM_PURPOSE, page, token, now)
    if row.status is SubscriberStatus.UNSUBSCRIBED:
        raise InvalidLink(
            "this address unsubscribed after the link was sent: subscribe again", field="token"
        )
    if row.status is SubscriberStatus.PENDING:
        row.status = SubscriberStatus.CONFIRMED
        row.confirmed_at = now
    return row


def unsubscribe(
    session: Session, key: bytes, page: StatusPage, token: str, now: datetime
) -> StatusSubscriber:
    """Stop every email to the address of an unsubscribe link (again: no change)."""
    row = _holder(session, key, UNSUBSCRIBE_PURPOSE, page, token, now)
    if row.status is not SubscriberStatus.UNSUBSCRIBED:
        row.status = SubscriberStatus.UNSUBSCRIBED
        row.unsubscribed_at = now
    return row


def confirmed(session: Session, page: str) -> list[StatusSubscriber]:
    return list(
        session.scalars(
            select(StatusSubscriber)
            .where(
                StatusSubscriber.page == page,
                StatusSubscriber.status == SubscriberStatus.CONFIRMED,
            )
            .order_by(StatusSubscriber.id)
        )
    )
