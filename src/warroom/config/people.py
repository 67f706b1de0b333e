"""People who can be paged: how to reach each one, and in which order.

A person is matched to a warroom user by ``username``: acknowledging from an email link or
from Slack acts as that user (created as a responder on first use when missing).
"""

from __future__ import annotations

import re
from datetime import timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import Field, ValidationInfo, field_validator, model_validator

from .base import StrictModel
from .values import Delay, NonEmptyStr, TimeZoneName, check_http_url, config_problem

USERNAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,63}$"
Username = Annotated[str, Field(pattern=USERNAME_PATTERN, examples=["alice", "bob.smith"])]

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+$")
_SLACK_USER_RE = re.compile(r"^[UW][A-Z0-9]{6,}$")


class PersonContactKind(StrEnum):
    EMAIL = "email"
    SLACK = "slack"
    WEBHOOK = "webhook"


class PersonContact(StrictModel):
    """One way to reach a person: an email address, a Slack user ID, or a webhook (an SMS or
    push gateway that receives the signed JSON page)."""

    kind: PersonContactKind = Field(description="email, slack or webhook.")
    target: NonEmptyStr = Field(
        description="alice@example.com, a Slack user ID like U024BE7LH, or an https:// URL."
    )

    @field_validator("target")
    @classmethod
    def _target_fits_kind(cls, target: str, info: ValidationInfo) -> str:
        kind = info.data.get("kind")
        if kind is PersonContactKind.EMAIL and not _EMAIL_RE.match(target):
            raise config_problem(f"invalid email address {target!r}")
        if kind is PersonContactKind.SLACK and not _SLACK_USER_RE.match(target):
            raise config_problem(
                f"invalid Slack user {target!r}: give the member ID (U...), shown in Slack "
                "under Profile > Copy member ID"
            )
        if kind is PersonContactKind.WEBHOOK:
            check_http_url(target)
        return target


class NotificationRule(StrictModel):
    """Notify the person on one of their contact kinds, ``after`` the page unless it was
    acknowledged by then (e.g. Slack at once, email after 2 minutes)."""

    contact: PersonContactKind = Field(description="Which of the person's contacts: email, ...")
    after: Delay = Field(default=timedelta(0), description="Delay after the page, e.g. 0s or 2m.")


class Person(StrictModel):
    """Someone who can be on call and be paged."""

    username: Username = Field(description="warroom username; unique across people.")
    name: NonEmptyStr = Field(description="Full name, shown in pages and schedules.")
    timezone: TimeZoneName | None = Field(
        None, description="IANA time zone of the person, used to show their shifts."
    )
    contacts: list[PersonContact] = Field(
        default_factory=list, description="How to reach the person; at most one of each kind."
    )
    notification_rules: list[NotificationRule] | None = Field(
        None,
        description="In which order to use the contacts when paged. Default: every contact "
        "at once.",
    )

    @model_validator(mode="after")
    def _rules_use_known_contacts(self) -> Person:
        kinds = [contact.kind for contact in self.contacts]
        for position, kind in enumerate(kinds):
            if kind in kinds[:position]:
                raise config_problem(f"contacts: more than one {kind.value} contact")
        for rule in self.notification_rules or []:
            if rule.contact not in kinds:
                raise config_problem(
                    f"notification_rules: {self.username} has no {rule.contact.value} contact"
                )
        return self

    def contact(self, kind: PersonContactKind) -> PersonContact | None:
        return next((c for c in self.contacts if c.kind is kind), None)

    @property
    def effective_rules(self) -> list[NotificationRule]:
        """The notification rules, or every contact at once."""
        if self.notification_rules is not None:
            return list(self.notification_rules)
        return [NotificationRule(contact=contact.kind) for contact in self.contacts]
