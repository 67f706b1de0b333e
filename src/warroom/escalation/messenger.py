"""What escalation needs from notifications, as a port it owns.

Escalation decides who is paged, when and why; how a page, a team post or a reminder
reaches anyone is the notify layer's business, and notify sits above escalation. So
escalation states what it needs as the small ``Messenger`` protocol, notify implements it
(``warroom.notify.pages.OutboxMessenger``: deliveries through the outbox, in the caller's
transaction), and the composition root installs it (``warroom.app``). A plain call, no job
or queue in between: paging is exactly as fast as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from warroom.config import Config
from warroom.config.people import Person, PersonContact
from warroom.escalation.models import Page
from warroom.incidents.models import Incident


@dataclass(frozen=True)
class Sent:
    """A message handed over for delivery."""

    delivery_id: int
    target: str


@dataclass(frozen=True)
class PageDelivery:
    """How one delivery of a page is doing (for the escalation view)."""

    id: int
    channel: str
    target: str
    status: str
    attempts: int
    due_at: datetime
    delivered_at: datetime | None
    last_error: str | None


class Messenger(Protocol):
    """Runs inside the caller's transaction and never commits. Keys make a repeated job
    hand nothing over twice."""

    def page(
        self,
        session: Session,
        config: Config,
        incident: Incident,
        page: Page,
        person: Person,
        contact: PersonContact,
        now: datetime,
    ) -> Sent | None:
        """Page ``person`` through ``contact``; None when it was handed over before."""

    def paged(
        self, session: Session, config: Config, incident: Incident, username: str, now: datetime
    ) -> None:
        """``username`` was just paged (chat: invite them into the incident's channel)."""

    def post_to_team(
        self, session: Session, config: Config, incident: Incident, now: datetime, key: str
    ) -> list[Sent]:
        """Tell the owning team's contacts that the incident pages them."""

    def remind(
        self,
        session: Session,
        config: Config,
        incident: Incident,
        person: Person,
        contacts: Sequence[PersonContact],
        now: datetime,
        key: str,
        *,
        public_pages: Sequence[str] = (),
    ) -> list[Sent]:
        """Remind ``person`` that a status update is due (a public one for the status pages
        titled ``public_pages``, if any)."""

    def cancel_pages(self, session: Session, page_ids: Sequence[int]) -> int:
        """Cancel what was not yet sent for these pages; how many deliveries were cancelled."""

    def page_deliveries(
        self, session: Session, page_ids: Sequence[int]
    ) -> dict[int, list[PageDelivery]]:
        """The deliveries of each page, oldest first."""


_installed: Messenger | None = None


def install(implementation: Messenger) -> None:
    """Called by the composition root before any escalation runs."""
    global _installed  # noqa: PLW0603 - the one wiring point, set once at start-up
    _installed = implementation


def messenger() -> Messenger:
    if _installed is None:
        raise RuntimeError(
            "no escalation Messenger installed: warroom.app installs notify's at start-up"
        )
    return _installed
