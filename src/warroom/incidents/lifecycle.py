"""The incident lifecycle: which action is allowed from which status, and the
timestamps each one sets.

    triggered → acknowledged → mitigated → resolved → closed
                                              ↑ reopen ↓ (back to acknowledged)

Skipping forward is allowed (an incident may be resolved straight from triggered);
the skipped timestamps are then set to the same instant, because resolving implies
the incident was mitigated and acknowledged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from warroom.incidents.enums import IncidentAction, IncidentStatus, TimestampField

S = IncidentStatus
T = TimestampField

ORDERED_STATUSES = (S.TRIGGERED, S.ACKNOWLEDGED, S.MITIGATED, S.RESOLVED, S.CLOSED)
ORDERED_TIMESTAMPS = tuple(TimestampField)


@dataclass(frozen=True)
class Transition:
    target: IncidentStatus
    allowed_from: tuple[IncidentStatus, ...]
    sets: tuple[TimestampField, ...]


TRANSITIONS: dict[IncidentAction, Transition] = {
    IncidentAction.ACKNOWLEDGE: Transition(S.ACKNOWLEDGED, (S.TRIGGERED,), (T.ACKNOWLEDGED_AT,)),
    IncidentAction.MITIGATE: Transition(
        S.MITIGATED, (S.TRIGGERED, S.ACKNOWLEDGED), (T.ACKNOWLEDGED_AT, T.MITIGATED_AT)
    ),
    IncidentAction.RESOLVE: Transition(
        S.RESOLVED,
        (S.TRIGGERED, S.ACKNOWLEDGED, S.MITIGATED),
        (T.ACKNOWLEDGED_AT, T.MITIGATED_AT, T.RESOLVED_AT),
    ),
    IncidentAction.CLOSE: Transition(S.CLOSED, (S.RESOLVED,), (T.CLOSED_AT,)),
    IncidentAction.REOPEN: Transition(S.ACKNOWLEDGED, (S.RESOLVED,), ()),
}

# Timestamps that a reopen clears (the incident is no longer mitigated or resolved).
REOPEN_CLEARS = (T.MITIGATED_AT, T.RESOLVED_AT)

# The status from which each timestamp exists; correcting a timestamp the incident
# has not reached yet is refused.
REACHED_AT_STATUS: dict[TimestampField, IncidentStatus] = {
    T.IMPACT_STARTED_AT: S.TRIGGERED,
    T.DETECTED_AT: S.TRIGGERED,
    T.ACKNOWLEDGED_AT: S.ACKNOWLEDGED,
    T.MITIGATED_AT: S.MITIGATED,
    T.RESOLVED_AT: S.RESOLVED,
    T.CLOSED_AT: S.CLOSED,
}

OPEN_STATUSES = (S.TRIGGERED, S.ACKNOWLEDGED, S.MITIGATED)


def refusal(action: IncidentAction, current: IncidentStatus) -> str | None:
    """Why ``action`` is not allowed from ``current``, or None if it is."""
    transition = TRANSITIONS[action]
    if current in transition.allowed_from:
        return None
    allowed = ", ".join(s.value for s in transition.allowed_from)
    if action is IncidentAction.REOPEN and current is S.CLOSED:
        return "a closed incident cannot be reopened; declare a new incident"
    if action is IncidentAction.REOPEN:
        return f"only a resolved incident can be reopened; it is {current.value}"
    return f"cannot {action.value} an incident that is {current.value} (allowed from: {allowed})"


def order_violation(
    values: dict[TimestampField, datetime | None],
) -> tuple[TimestampField, str] | None:
    """The first timestamp that breaks impact ≤ detected ≤ ack ≤ mitigated ≤ resolved ≤ closed."""
    previous: tuple[TimestampField, datetime] | None = None
    for name in ORDERED_TIMESTAMPS:
        value = values.get(name)
        if value is None:
            continue
        if previous is not None and value < previous[1]:
            return name, (
                f"{name.value} ({value.isoformat()}) must not be before "
                f"{previous[0].value} ({previous[1].isoformat()})"
            )
        previous = (name, value)
    return None
