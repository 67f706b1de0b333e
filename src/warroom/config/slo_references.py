"""Cross-reference checks of SLOs, capacity forecasts and queue monitors: unique names,
and the service, team, project and severities they name exist."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .errors import Loc, did_you_mean


def slo_reference_problems(
    data: Mapping[str, Any],
    teams: list[str] | None,
    services: list[str] | None,
    severities: list[str] | None,
    problem: Callable[..., Any],
) -> list[Any]:
    """``problem(loc, message, first=None)`` makes each problem (the caller's type)."""
    problems: list[Any] = []
    projects = _names(data, "projects", "slug")
    first: dict[str, int] = {}
    for index, slo in enumerate(_list(data, "slos")):
        if not isinstance(slo, dict):
            continue
        at: Loc = ("slos", index)
        name = slo.get("name")
        if isinstance(name, str):
            if name in first:
                problems.append(
                    problem(
                        (*at, "name"), f"duplicate SLO name {name!r}", ("slos", first[name], "name")
                    )
                )
            first.setdefault(name, index)
        problems += _unknown(problem, (*at, "service"), "service", slo.get("service"), services)
        problems += _unknown(problem, (*at, "team"), "team", slo.get("team"), teams)
        for key in ("page_severity", "ticket_severity"):
            problems += _unknown(problem, (*at, key), "severity", slo.get(key), severities)
        indicator = slo.get("indicator")
        if isinstance(indicator, dict) and indicator.get("kind") in ("sessions", "transactions"):
            problems += _unknown(
                problem,
                (*at, "indicator", "project"),
                "project",
                indicator.get("project"),
                projects,
            )
    for section in ("forecasts", "queues"):
        problems += _monitor_problems(data, section, teams, services, severities, problem)
    return problems


def _monitor_problems(
    data: Mapping[str, Any],
    section: str,
    teams: list[str] | None,
    services: list[str] | None,
    severities: list[str] | None,
    problem: Callable[..., Any],
) -> list[Any]:
    problems: list[Any] = []
    first: dict[str, int] = {}
    what = "forecast" if section == "forecasts" else "queue"
    for index, forecast in enumerate(_list(data, section)):
        if not isinstance(forecast, dict):
            continue
        at: Loc = (section, index)
        name = forecast.get("name")
        if isinstance(name, str):
            if name in first:
                problems.append(
                    problem(
                        (*at, "name"),
                        f"duplicate {what} name {name!r}",
                        (section, first[name], "name"),
                    )
                )
            first.setdefault(name, index)
        problems += _unknown(
            problem, (*at, "service"), "service", forecast.get("service"), services
        )
        problems += _unknown(problem, (*at, "team"), "team", forecast.get("team"), teams)
        problems += _unknown(
            problem, (*at, "severity"), "severity", forecast.get("severity"), severities
        )
    return problems


def _names(data: Mapping[str, Any], section: str, key: str) -> list[str]:
    return [item[key] for item in _list(data, section) if isinstance(item, dict) and key in item]


def _list(data: Mapping[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    return value if isinstance(value, list) else []


def _unknown(
    problem: Callable[..., Any], loc: Loc, what: str, name: object, known: list[str] | None
) -> list[Any]:
    if known is None or not isinstance(name, str) or name in known:
        return []
    return [problem(loc, f"unknown {what} {name!r}{did_you_mean(name, known)}")]
