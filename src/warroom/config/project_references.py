"""Cross-reference checks of error-tracking projects and issue rules: unique slugs, ids and
DSN keys; teams, services, projects and severities that exist."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .errors import Loc, did_you_mean


def project_reference_problems(
    data: Mapping[str, Any],
    teams: list[str] | None,
    services: list[str] | None,
    severities: list[str] | None,
    problem: Callable[..., Any],
) -> list[Any]:
    """``problem(loc, message, first=None)`` makes each problem (the caller's type)."""
    problems: list[Any] = []
    projects = [(i, p) for i, p in enumerate(_list(data, "projects")) if isinstance(p, dict)]
    first_slug: dict[str, int] = {}
    first_id: dict[int, int] = {}
    first_key: dict[str, Loc] = {}
    for index, project in projects:
        at: Loc = ("projects", index)
        slug, project_id = project.get("slug"), project.get("id")
        if isinstance(slug, str):
            if slug in first_slug:
                problems.append(
                    problem(
                        (*at, "slug"),
                        f"duplicate project slug {slug!r}",
                        ("projects", first_slug[slug], "slug"),
                    )
                )
            first_slug.setdefault(slug, index)
        if isinstance(project_id, int):
            if project_id in first_id:
                problems.append(
                    problem(
                        (*at, "id"),
                        f"duplicate project id {project_id}",
                        ("projects", first_id[project_id], "id"),
                    )
                )
            first_id.setdefault(project_id, index)
        problems += _unknown(problem, (*at, "team"), "team", project.get("team"), teams)
        if project.get("service") is not None:
            problems += _unknown(
                problem, (*at, "service"), "service", project.get("service"), services
            )
        for position, key in enumerate(_list(project, "keys")):
            public = key.get("public_key") if isinstance(key, dict) else None
            if not isinstance(public, str):
                continue
            loc: Loc = (*at, "keys", position, "public_key")
            if public in first_key:
                problems.append(problem(loc, "duplicate DSN public key", first_key[public]))
            first_key.setdefault(public, loc)

    known_projects = list(first_slug)
    first_rule: dict[str, int] = {}
    for index, rule in enumerate(_list(data, "issue_rules")):
        if not isinstance(rule, dict):
            continue
        at = ("issue_rules", index)
        name = rule.get("name")
        if isinstance(name, str):
            if name in first_rule:
                problems.append(
                    problem(
                        (*at, "name"),
                        f"duplicate issue rule name {name!r}",
                        ("issue_rules", first_rule[name], "name"),
                    )
                )
            first_rule.setdefault(name, index)
        for position, slug in enumerate(_list(rule, "projects")):
            problems += _unknown(
                problem, (*at, "projects", position), "project", slug, known_projects
            )
        if rule.get("severity") is not None:
            problems += _unknown(
                problem, (*at, "severity"), "severity", rule.get("severity"), severities
            )
    return problems


def _list(data: Mapping[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    return value if isinstance(value, list) else []


def _unknown(
    problem: Callable[..., Any], loc: Loc, what: str, name: object, known: list[str] | None
) -> list[Any]:
    if known is None or not isinstance(name, str) or name in known:
        return []
    return [problem(loc, f"unknown {what} {name!r}{did_you_mean(name, known)}")]
