"""Roles (lead, fixer, comms) and participants, with history kept."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.auth.models import User
from warroom.incidents import timeline
from warroom.incidents.enums import IncidentRole, TimelineKind
from warroom.incidents.models import Incident, Participant, RoleAssignment
from warroom.problems import Conflict, InvalidInput

ROLE_NAMES = {
    IncidentRole.LEAD: "incident lead",
    IncidentRole.FIXER: "fixer",
    IncidentRole.COMMS: "communications lead",
}


def find_user(session: Session, username: str, field: str = "user") -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise InvalidInput(f"unknown user '{username}'", field=field)
    return user


def current_holder(incident: Incident, role: IncidentRole) -> RoleAssignment | None:
    for assignment in incident.role_assignments:
        if assignment.role is role and assignment.released_at is None:
            return assignment
    return None


def ensure_participant(incident: Incident, user: User, actor: User, now: datetime) -> bool:
    if any(p.user_id == user.id for p in incident.participants):
        return False
    incident.participants.append(
        Participant(user_id=user.id, user=user, joined_at=now, added_by_id=actor.id)
    )
    return True


def assign_role(
    session: Session,
    actor: User,
    incident: Incident,
    role: IncidentRole,
    user: User,
    now: datetime,
) -> Incident:
    holder = current_holder(incident, role)
    name = ROLE_NAMES[role]
    if holder is not None and holder.user_id == user.id:
        raise Conflict(f"{user.username} is already the {name} of {incident.ref}", field="user")
    if holder is not None:
        holder.released_at = now
        holder.released_by_id = actor.id
    incident.role_assignments.append(
        RoleAssignment(
            role=role, user_id=user.id, user=user, assigned_at=now, assigned_by_id=actor.id
        )
    )
    ensure_participant(incident, user, actor, now)
    if holder is None:
        kind, text = TimelineKind.ROLE_ASSIGNED, f"{user.username} is now the {name}"
    else:
        kind = TimelineKind.ROLE_HANDED_OVER
        text = f"{holder.user.username} handed the {name} role over to {user.username}"
    if actor.id != user.id:
        text += f" (by {actor.username})"
    timeline.record(
        session,
        incident,
        kind,
        actor,
        text,
        now,
        before={"role": role.value, "user": holder.user.username if holder else None},
        after={"role": role.value, "user": user.username},
    )
    return incident


def release_role(
    session: Session, actor: User, incident: Incident, role: IncidentRole, now: datetime
) -> Incident:
    holder = current_holder(incident, role)
    name = ROLE_NAMES[role]
    if holder is None:
        raise Conflict(f"{incident.ref} has no {name} to release", field="role")
    holder.released_at = now
    holder.released_by_id = actor.id
    timeline.record(
        session,
        incident,
        TimelineKind.ROLE_RELEASED,
        actor,
        f"{holder.user.username} released the {name} role",
        now,
        before={"role": role.value, "user": holder.user.username},
        after={"role": role.value, "user": None},
    )
    return incident


def add_participant(
    session: Session, actor: User, incident: Incident, user: User, now: datetime
) -> Incident:
    if not ensure_participant(incident, user, actor, now):
        raise Conflict(f"{user.username} already participates in {incident.ref}", field="user")
    timeline.record(
        session,
        incident,
        TimelineKind.PARTICIPANT_ADDED,
        actor,
        f"{user.username} joined {incident.ref}",
        now,
        after={"user": user.username},
    )
    return incident


def remove_participant(
    session: Session, actor: User, incident: Incident, user: User, now: datetime
) -> Incident:
    for role in IncidentRole:
        holder = current_holder(incident, role)
        if holder is not None and holder.user_id == user.id:
            raise Conflict(
                f"{user.username} holds the {ROLE_NAMES[role]} role; hand it over first",
                field="user",
            )
    match = [p for p in incident.participants if p.user_id == user.id]
    if not match:
        raise InvalidInput(f"{user.username} does not participate in {incident.ref}", field="user")
    incident.participants.remove(match[0])
    timeline.record(
        session,
        incident,
        TimelineKind.PARTICIPANT_REMOVED,
        actor,
        f"{user.username} left {incident.ref}",
        now,
        before={"user": user.username},
    )
    return incident
