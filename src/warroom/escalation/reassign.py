"""Reassigning an incident: the current run stops and a new one pages the new target.

To a person: the new run pages that person at once, waits (the team policy's first wait, or
five minutes), then continues with the team's policy from its first step if nobody
acknowledged; its repeats and final fallback are the team policy's (each round starts with the
person again). To a policy: the new run is that policy from step 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from warroom.auth.models import User
from warroom.config import Config
from warroom.config.escalation import EscalationPolicy, EscalationStep
from warroom.escalation.models import Escalation, EscalationState, PageStatus
from warroom.escalation.service import PAGING_STATUSES, end_runs, severity_pages, start_run
from warroom.incidents import timeline
from warroom.incidents.enums import TimelineKind
from warroom.incidents.models import Incident
from warroom.problems import Conflict, InvalidInput

DEFAULT_REASSIGN_WAIT = timedelta(minutes=5)
REASSIGNED_SLUG = "reassigned"


@dataclass(frozen=True)
class Reassign:
    """Page ``user`` (then the team's policy), or run ``policy`` from its first step:
    exactly one of the two."""

    user: str | None = None
    policy: str | None = None
    reason: str | None = None


def person_first(username: str, team_policy: EscalationPolicy | None) -> EscalationPolicy:
    """``username`` at once, a wait, then the team's policy."""
    steps = [EscalationStep(notify_users=[username])]
    if team_policy is None:
        return EscalationPolicy(
            slug=REASSIGNED_SLUG,
            name=f"Reassigned to {username}",
            steps=[*steps, EscalationStep(wait=DEFAULT_REASSIGN_WAIT)],
        )
    first_wait = next((s.wait for s in team_policy.steps if s.wait is not None), None)
    steps.append(EscalationStep(wait=first_wait or DEFAULT_REASSIGN_WAIT))
    return team_policy.model_copy(
        update={
            "name": f"Reassigned to {username}, then {team_policy.name}",
            "steps": [*steps, *team_policy.steps],
        }
    )


def _target(
    config: Config, incident: Incident, body: Reassign
) -> tuple[EscalationPolicy, str | None, str]:
    if body.user is not None and body.policy is not None:
        raise InvalidInput("give either user or policy, not both", field="policy")
    if body.user is not None:
        if config.person(body.user) is None:
            known = ", ".join(p.username for p in config.people) or "none configured"
            raise InvalidInput(
                f"unknown person '{body.user}' (people in the config: {known})", field="user"
            )
        team = config.team(incident.team)
        slug = team.escalation_policy if team is not None else None
        team_policy = config.escalation_policy(slug) if slug is not None else None
        return person_first(body.user, team_policy), slug, body.user
    if body.policy is not None:
        policy = config.escalation_policy(body.policy)
        if policy is None:
            known = ", ".join(p.slug for p in config.escalation_policies) or "none configured"
            raise InvalidInput(
                f"unknown escalation policy '{body.policy}' (known: {known})", field="policy"
            )
        return policy, policy.slug, f"policy {policy.slug}"
    raise InvalidInput("give user (a person to page) or policy (a policy to run)", field="user")


def reassign(
    session: Session,
    config: Config,
    actor: User,
    incident: Incident,
    body: Reassign,
    now: datetime,
) -> Escalation:
    """Stop the live run and start one for the new target (the incident row is locked)."""
    policy, slug, target = _target(config, incident, body)
    if incident.status not in PAGING_STATUSES:
        raise Conflict(
            f"{incident.ref} is {incident.status.value}: nobody needs paging", field="ref"
        )
    if not severity_pages(config.severity(incident.severity)):
        raise Conflict(
            f"{incident.severity} does not page; raise the severity to page someone",
            field="ref",
        )
    end_runs(
        session,
        incident,
        EscalationState.STOPPED,
        PageStatus.CANCELLED,
        now,
        f"escalation stopped: reassigned to {target}",
        reason="reassigned",
    )
    why = f"reassigned to {target} by {actor.username}"
    if body.reason:
        why += f": {body.reason}"
    timeline.record(
        session,
        incident,
        TimelineKind.REASSIGNED,
        actor,
        f"{actor.username} reassigned {incident.ref} to {target}"
        + (f": {body.reason}" if body.reason else ""),
        now,
        after={"user": body.user, "policy": body.policy, "reason": body.reason},
    )
    return start_run(session, incident, policy, now, reason=why, policy_slug=slug)
