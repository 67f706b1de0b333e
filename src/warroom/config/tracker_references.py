"""Cross-reference checks of trackers: unique names, the settings each kind needs, and
teams that name a tracker that exists."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .errors import Loc, did_you_mean

NEEDS_PROJECT = ("github", "gitlab", "jira", "youtrack")


def tracker_reference_problems(data: Mapping[str, Any], problem: Callable[..., Any]) -> list[Any]:
    """``problem(loc, message, first=None)`` makes each problem (the caller's type)."""
    problems: list[Any] = []
    first: dict[str, int] = {}
    for index, tracker in _items(data, "trackers"):
        at: Loc = ("trackers", index)
        name = tracker.get("name")
        if isinstance(name, str):
            if name in first:
                problems.append(
                    problem(
                        (*at, "name"),
                        f"duplicate tracker name {name!r}",
                        ("trackers", first[name], "name"),
                    )
                )
            first.setdefault(name, index)
        kind = tracker.get("kind")
        if kind in NEEDS_PROJECT:
            for field in ("project", "token_env"):
                if not tracker.get(field):
                    problems.append(problem((*at, field), f"a {kind} tracker needs {field}"))
        if kind == "webhook" and not tracker.get("webhook_secret_env"):
            problems.append(
                problem(
                    (*at, "webhook_secret_env"),
                    "a webhook tracker needs webhook_secret_env (its requests are signed)",
                )
            )
        if kind == "jira" and not tracker.get("email"):
            problems.append(problem((*at, "email"), "a jira tracker needs email"))
    for index, team in _items(data, "teams"):
        name = team.get("tracker")
        if isinstance(name, str) and name not in first:
            problems.append(
                problem(
                    ("teams", index, "tracker"),
                    f"unknown tracker {name!r}{did_you_mean(name, list(first))}",
                )
            )
        if team.get("track_incidents") is True and not name:
            problems.append(
                problem(
                    ("teams", index, "track_incidents"),
                    "track_incidents needs the team's tracker",
                )
            )
    return problems


def _items(data: Mapping[str, Any], section: str) -> list[tuple[int, dict[str, Any]]]:
    items = data.get(section)
    if not isinstance(items, list):
        return []
    return [(index, item) for index, item in enumerate(items) if isinstance(item, dict)]
