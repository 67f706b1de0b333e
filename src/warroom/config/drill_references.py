"""Cross-reference checks of drill scenarios: unique names, and the team, integration (of
the right kind), project and expected severity each names exist."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .errors import Loc, did_you_mean

NEEDS_INTEGRATION = ("alertmanager", "pagerduty", "heartbeat")


def _items(data: Mapping[str, Any], *path: str) -> list[tuple[int, dict[str, Any]]]:
    node: Any = data
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    if not isinstance(node, list):
        return []
    return [(index, item) for index, item in enumerate(node) if isinstance(item, dict)]


def _named(data: Mapping[str, Any], section: str, key: str) -> dict[str, dict[str, Any]]:
    return {
        str(item[key]): item for _i, item in _items(data, section) if isinstance(item.get(key), str)
    }


def drill_reference_problems(
    data: Mapping[str, Any],
    teams: list[str] | None,
    severities: list[str] | None,
    problem: Callable[..., Any],
) -> list[Any]:
    """``problem(loc, message, first=None)`` makes each problem (the caller's type)."""
    problems: list[Any] = []
    integrations = _named(data, "integrations", "slug")
    projects = _named(data, "projects", "slug")
    first: dict[str, int] = {}
    for index, scenario in _items(data, "drills", "scenarios"):
        at: Loc = ("drills", "scenarios", index)
        name = scenario.get("name")
        if isinstance(name, str):
            if name in first:
                problems.append(
                    problem(
                        (*at, "name"),
                        f"duplicate drill scenario name {name!r}",
                        ("drills", "scenarios", first[name], "name"),
                    )
                )
            first.setdefault(name, index)
        team = scenario.get("team")
        if teams is not None and isinstance(team, str) and team not in teams:
            problems.append(
                problem((*at, "team"), f"unknown team {team!r}{did_you_mean(team, teams)}")
            )
        severity = scenario.get("expect_severity")
        if severities is not None and isinstance(severity, str) and severity not in severities:
            known = ", ".join(severities)
            problems.append(
                problem((*at, "expect_severity"), f"unknown severity {severity!r} (known: {known})")
            )
        problems += _source_problems(at, scenario, integrations, projects, problem)
    return problems


def _source_problems(
    at: Loc,
    scenario: dict[str, Any],
    integrations: dict[str, dict[str, Any]],
    projects: dict[str, dict[str, Any]],
    problem: Callable[..., Any],
) -> list[Any]:
    kind = scenario.get("kind")
    if kind == "sentry":
        project = scenario.get("project")
        if not isinstance(project, str):
            return [problem((*at, "project"), "a sentry drill needs project")]
        if project not in projects:
            known = list(projects)
            return [
                problem(
                    (*at, "project"), f"unknown project {project!r}{did_you_mean(project, known)}"
                )
            ]
        return []
    if kind not in NEEDS_INTEGRATION:
        return []
    slug = scenario.get("integration")
    if not isinstance(slug, str):
        return [problem((*at, "integration"), f"a {kind} drill needs integration")]
    integration = integrations.get(slug)
    if integration is None:
        known = list(integrations)
        return [
            problem(
                (*at, "integration"), f"unknown integration {slug!r}{did_you_mean(slug, known)}"
            )
        ]
    if integration.get("kind") != kind:
        return [
            problem(
                (*at, "integration"),
                f"integration {slug!r} is of kind {integration.get('kind')!r}, not {kind!r}",
            )
        ]
    return []
