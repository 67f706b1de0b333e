"""Cross-reference checks of status pages: unique slugs, services that exist (each at most
once per page), and severities that exist."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .errors import Loc, did_you_mean


def status_page_reference_problems(
    data: Mapping[str, Any],
    services: list[str] | None,
    severities: list[str] | None,
    problem: Callable[..., Any],
) -> list[Any]:
    """``problem(loc, message, first=None)`` makes each problem (the caller's type)."""
    problems: list[Any] = []
    first_slug: dict[str, int] = {}
    for index, page in enumerate(_list(data, "status_pages")):
        if not isinstance(page, dict):
            continue
        at: Loc = ("status_pages", index)
        slug = page.get("slug")
        if isinstance(slug, str):
            if slug in first_slug:
                problems.append(
                    problem(
                        (*at, "slug"),
                        f"duplicate status page slug {slug!r}",
                        ("status_pages", first_slug[slug], "slug"),
                    )
                )
            first_slug.setdefault(slug, index)
        seen: dict[str, int] = {}
        for position, component in enumerate(_list(page, "components")):
            service = component.get("service") if isinstance(component, dict) else None
            if not isinstance(service, str):
                continue
            loc: Loc = (*at, "components", position, "service")
            if service in seen:
                problems.append(
                    problem(
                        loc,
                        f"service {service!r} is shown twice on this page",
                        (*at, "components", seen[service], "service"),
                    )
                )
            seen.setdefault(service, position)
            problems += _unknown(problem, loc, "service", service, services)
        impact = page.get("impact")
        for severity in impact if isinstance(impact, dict) else {}:
            problems += _unknown(
                problem, (*at, "impact", severity), "severity", severity, severities
            )
        for position, severity in enumerate(_list(page, "public_updates")):
            problems += _unknown(
                problem, (*at, "public_updates", position), "severity", severity, severities
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
