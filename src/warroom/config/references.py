"""Cross-reference checks: unique slugs and keys, and every reference points at something defined.

The checks read the plain YAML-shaped data, so the loader can run them even when other parts
of the document are invalid (every problem is reported at once), and ``Config`` runs them on
itself when built in code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .defaults import DEFAULT_INCIDENT_SEVERITY, DEFAULT_SEVERITY_KEYS
from .errors import Loc, did_you_mean


@dataclass(frozen=True)
class ReferenceProblem:
    loc: Loc
    message: str
    first: Loc | None = None
    """For duplicates: where the name was defined first."""

    def render(self, where: Callable[[Loc], str]) -> str:
        if self.first is None:
            return self.message
        return f"{self.message} (first defined at {where(self.first)})"


def reference_problems(data: Mapping[str, Any]) -> list[ReferenceProblem]:
    problems: list[ReferenceProblem] = []
    teams = _unique_names(data, "teams", "slug", "team slug", problems)
    services = _unique_names(data, "services", "slug", "service slug", problems)
    if "severities" in data:
        severities = _unique_names(data, "severities", "key", "severity key", problems)
    else:
        severities = list(DEFAULT_SEVERITY_KEYS)

    raw_services = data.get("services")
    for index, service in enumerate(raw_services if isinstance(raw_services, list) else []):
        if isinstance(service, dict):
            problems += _service_problems(index, service, teams, services)

    defaults = data.get("incident_defaults", {})
    if isinstance(defaults, dict):
        problems += _defaults_problems(defaults, teams, severities)
    return problems


def _unique_names(
    data: Mapping[str, Any], section: str, key: str, what: str, problems: list[ReferenceProblem]
) -> list[str] | None:
    """Names defined in ``section`` in order, reporting duplicates; None if unreadable."""
    items = data.get(section, [])
    if not isinstance(items, list):
        return None
    first: dict[str, int] = {}
    for index, item in enumerate(items):
        name = item.get(key) if isinstance(item, dict) else None
        if not isinstance(name, str):
            continue
        if name in first:
            problems.append(
                ReferenceProblem(
                    (section, index, key), f"duplicate {what} {name!r}", (section, first[name], key)
                )
            )
        else:
            first[name] = index
    return list(first)


def _service_problems(
    index: int, service: dict[str, Any], teams: list[str] | None, services: list[str] | None
) -> list[ReferenceProblem]:
    problems: list[ReferenceProblem] = []
    team = service.get("team")
    if teams is not None and isinstance(team, str) and team not in teams:
        problems.append(
            ReferenceProblem(
                ("services", index, "team"), f"unknown team {team!r}{did_you_mean(team, teams)}"
            )
        )
    depends_on = service.get("depends_on")
    if services is None or not isinstance(depends_on, list):
        return problems
    seen: set[str] = set()
    for position, dependency in enumerate(depends_on):
        if not isinstance(dependency, str):
            continue
        loc: Loc = ("services", index, "depends_on", position)
        if dependency == service.get("slug"):
            problems.append(ReferenceProblem(loc, "a service cannot depend on itself"))
        elif dependency in seen:
            problems.append(ReferenceProblem(loc, f"{dependency!r} is listed twice"))
        elif dependency not in services:
            suggestion = did_you_mean(dependency, services)
            problems.append(ReferenceProblem(loc, f"unknown service {dependency!r}{suggestion}"))
        seen.add(dependency)
    return problems


def _defaults_problems(
    defaults: dict[str, Any], teams: list[str] | None, severities: list[str] | None
) -> list[ReferenceProblem]:
    problems: list[ReferenceProblem] = []
    triage_team = defaults.get("triage_team")
    if teams is not None and isinstance(triage_team, str) and triage_team not in teams:
        problems.append(
            ReferenceProblem(
                ("incident_defaults", "triage_team"),
                f"unknown team {triage_team!r}{did_you_mean(triage_team, teams)}",
            )
        )
    severity = defaults.get("severity", DEFAULT_INCIDENT_SEVERITY)
    if not severities or not isinstance(severity, str) or severity in severities:
        return problems
    defined = ", ".join(severities)
    if "severity" in defaults:
        message = f"unknown severity {severity!r}; defined severities: {defined}"
    else:
        message = (
            f"the default severity {severity!r} is not defined here; set "
            f"incident_defaults.severity to one of: {defined}"
        )
    problems.append(ReferenceProblem(("incident_defaults", "severity"), message))
    return problems
