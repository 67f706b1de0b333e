"""Cross-references of people, schedules, escalation policies and notifications.

Like ``references``, these read the YAML-shaped data so every problem is reported at the key
at fault, even when other parts of the document are invalid.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import Loc, did_you_mean


def oncall_reference_problems(
    data: Mapping[str, Any],
    teams: list[str] | None,
    severities: list[str] | None,
    unique: Any,
    problem: Any,
) -> list[Any]:
    """``unique`` and ``problem`` are ``references._unique_names`` and ``ReferenceProblem``
    (passed in to keep one module from importing the other both ways)."""
    problems: list[Any] = []
    people = unique(data, "people", "username", "person username", problems)
    schedules = unique(data, "schedules", "slug", "schedule slug", problems)
    policies = unique(data, "escalation_policies", "slug", "escalation policy slug", problems)

    def unknown(loc: Loc, what: str, name: object, known: list[str] | None) -> None:
        if known is None or not isinstance(name, str) or name in known:
            return
        problems.append(problem(loc, f"unknown {what} {name!r}{did_you_mean(name, known)}"))

    for index, schedule in _items(data, "schedules"):
        unknown(("schedules", index, "team"), "team", schedule.get("team"), teams)
        for layer_index, layer in _list_items(schedule.get("layers")):
            for position, username in enumerate(_list(layer.get("participants"))):
                loc: Loc = ("schedules", index, "layers", layer_index, "participants", position)
                unknown(loc, "person", username, people)

    for index, policy in _items(data, "escalation_policies"):
        at: Loc = ("escalation_policies", index)
        for step_index, step in _list_items(policy.get("steps")):
            step_at: Loc = (*at, "steps", step_index)
            unknown((*step_at, "notify_on_call"), "schedule", step.get("notify_on_call"), schedules)
            for position, username in enumerate(_list(step.get("notify_users"))):
                unknown((*step_at, "notify_users", position), "person", username, people)
        for position, username in enumerate(_list(policy.get("final"))):
            unknown((*at, "final", position), "person", username, people)

    for index, team in _items(data, "teams"):
        policy_slug = team.get("escalation_policy")
        unknown(("teams", index, "escalation_policy"), "escalation policy", policy_slug, policies)

    notifications = data.get("notifications")
    if isinstance(notifications, dict):
        _unique_in(notifications, "webhooks", problems, problem)
        for index, hook in _list_items(notifications.get("webhooks")):
            for position, team in enumerate(_list(hook.get("teams"))):
                unknown(
                    ("notifications", "webhooks", index, "teams", position), "team", team, teams
                )
            severity = hook.get("min_severity")
            unknown(
                ("notifications", "webhooks", index, "min_severity"),
                "severity",
                severity,
                severities,
            )
        for position, severity in enumerate(_list(notifications.get("broadcast_severities"))):
            unknown(
                ("notifications", "broadcast_severities", position),
                "severity",
                severity,
                severities,
            )
        slack = notifications.get("slack")
        if isinstance(slack, dict):
            for position, severity in enumerate(_list(slack.get("dedicated_channel_severities"))):
                unknown(
                    ("notifications", "slack", "dedicated_channel_severities", position),
                    "severity",
                    severity,
                    severities,
                )
    return problems


def _unique_in(section: dict[str, Any], key: str, problems: list[Any], problem: Any) -> None:
    first: dict[str, int] = {}
    for index, item in _list_items(section.get(key)):
        slug = item.get("slug")
        if not isinstance(slug, str):
            continue
        if slug in first:
            problems.append(
                problem(
                    ("notifications", key, index, "slug"),
                    f"duplicate webhook slug {slug!r}",
                    ("notifications", key, first[slug], "slug"),
                )
            )
        else:
            first[slug] = index


def _items(data: Mapping[str, Any], section: str) -> list[tuple[int, dict[str, Any]]]:
    return _list_items(data.get(section))


def _list_items(items: object) -> list[tuple[int, dict[str, Any]]]:
    if not isinstance(items, list):
        return []
    return [(index, item) for index, item in enumerate(items) if isinstance(item, dict)]


def _list(items: object) -> list[Any]:
    return items if isinstance(items, list) else []
