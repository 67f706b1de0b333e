"""Who is clicking or typing in Slack: the configured person with that Slack member ID,
acting as their warroom user (created as a responder on first use)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from warroom.auth import service as auth_service
from warroom.auth.models import User, UserRole
from warroom.config import Config
from warroom.config.people import Person, PersonContactKind


class NotLinked(Exception):
    """The Slack user is not a configured person, or may not change incidents."""


def person_of(config: Config, slack_user_id: str) -> Person | None:
    for person in config.people:
        contact = person.contact(PersonContactKind.SLACK)
        if contact is not None and contact.target == slack_user_id:
            return person
    return None


def acting_user(session: Session, config: Config, slack_user_id: str, now: datetime) -> User:
    person = person_of(config, slack_user_id)
    if person is None:
        raise NotLinked(
            f"Your Slack account ({slack_user_id}) is not linked to a warroom person. Ask an "
            f"admin to add `{{kind: slack, target: {slack_user_id}}}` to your contacts in the "
            "warroom configuration."
        )
    user = user_of_person(session, person, now)
    if user.role.rank < UserRole.RESPONDER.rank or user.disabled_at is not None:
        raise NotLinked(f"{user.username} is a {user.role.value}; only responders can do this.")
    return user


def user_of_person(session: Session, person: Person, now: datetime) -> User:
    """The person's warroom user, created as a responder when missing."""
    email = person.contact(PersonContactKind.EMAIL)
    return auth_service.ensure_user(
        session,
        person.username,
        now,
        email=email.target if email is not None else None,
        display_name=person.name,
    )
