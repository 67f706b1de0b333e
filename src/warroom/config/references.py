"""Cross-reference checks: unique slugs and keys, and every reference points at something defined.

Also the checks that span several keys of one item (a webhook integration needs a transform,
``after_occurrences`` needs ``within``), so each problem is reported at the key at fault.
The checks read the plain YAML-shaped data, so the loader can run them even when other parts
of the document are invalid (every problem is reported at once), and ``Config`` runs them on
itself when built in code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .defaults import DEFAULT_INCIDENT_SEVERITY, DEFAULT_SEVERITY_KEYS
from .drill_references import drill_reference_problems
from .errors import Loc, did_you_mean
from .intake import IntegrationKind
from .oncall_references import oncall_reference_problems
from .project_references import project_reference_problems
from .slo_references import slo_reference_problems
from .status_page_references import status_page_reference_problems
from .tracker_references import tracker_reference_problems


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

    _unique_names(data, "integrations", "slug", "integration slug", problems)
    _unique_names(data, "integrations", "key", "integration key", problems, show=False)
    for index, integration in _items(data, "integrations"):
        problems += _integration_problems(index, integration, teams, services)

    severity_map = data.get("severity_map")
    if isinstance(severity_map, dict):
        for label, severity in severity_map.items():
            problems += _severity_problems(("severity_map", label), severity, severities)

    _unique_names(data, "alert_rules", "name", "alert rule name", problems)
    for index, rule in _items(data, "alert_rules"):
        problems += _alert_rule_problems(index, rule, severities)
    problems += oncall_reference_problems(data, teams, severities, _unique_names, ReferenceProblem)
    problems += project_reference_problems(data, teams, services, severities, ReferenceProblem)
    problems += status_page_reference_problems(data, services, severities, ReferenceProblem)
    problems += tracker_reference_problems(data, ReferenceProblem)
    problems += drill_reference_problems(data, teams, severities, ReferenceProblem)
    problems += slo_reference_problems(data, teams, services, severities, ReferenceProblem)
    return problems


def _items(data: Mapping[str, Any], section: str) -> list[tuple[int, dict[str, Any]]]:
    """The mappings of a list section with their indexes, skipping anything malformed."""
    items = data.get(section)
    if not isinstance(items, list):
        return []
    return [(index, item) for index, item in enumerate(items) if isinstance(item, dict)]


def _unique_names(
    data: Mapping[str, Any],
    section: str,
    key: str,
    what: str,
    problems: list[ReferenceProblem],
    *,
    show: bool = True,
) -> list[str] | None:
    """Names defined in ``section`` in order, reporting duplicates; None if unreadable.

    ``show=False`` keeps the value out of the message (secrets).
    """
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
                    (section, index, key),
                    f"duplicate {what} {name!r}" if show else f"duplicate {what}",
                    (section, first[name], key),
                )
            )
        else:
            first[name] = index
    return list(first)


def _unknown(loc: Loc, what: str, name: object, known: list[str] | None) -> list[ReferenceProblem]:
    """A problem if ``name`` is text that is not among ``known`` (None: cannot tell)."""
    if known is None or not isinstance(name, str) or name in known:
        return []
    return [ReferenceProblem(loc, f"unknown {what} {name!r}{did_you_mean(name, known)}")]


def _service_problems(
    index: int, service: dict[str, Any], teams: list[str] | None, services: list[str] | None
) -> list[ReferenceProblem]:
    problems = _unknown(("services", index, "team"), "team", service.get("team"), teams)
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


def _severity_problems(
    loc: Loc, severity: object, severities: list[str] | None
) -> list[ReferenceProblem]:
    if not severities or not isinstance(severity, str) or severity in severities:
        return []
    defined = ", ".join(severities)
    return [ReferenceProblem(loc, f"unknown severity {severity!r}; defined severities: {defined}")]


# --- alert intake -----------------------------------------------------------------------------

_KINDS = frozenset(kind.value for kind in IntegrationKind)
_KIND_SECTIONS = {
    "webhook": ("transform", "templates for at least title, dedup_key and status"),
    "heartbeat": ("heartbeat", "an interval or a cron schedule"),
}


def _integration_problems(
    index: int, integration: dict[str, Any], teams: list[str] | None, services: list[str] | None
) -> list[ReferenceProblem]:
    at: Loc = ("integrations", index)
    problems = _unknown((*at, "team"), "team", integration.get("team"), teams)
    problems += _unknown((*at, "service"), "service", integration.get("service"), services)
    kind = integration.get("kind")
    if kind not in _KINDS:
        return problems
    for owner, (section, needs) in _KIND_SECTIONS.items():
        given = integration.get(section) is not None
        if kind == owner and not given:
            problems.append(
                ReferenceProblem(
                    (*at, section),
                    f"missing required key {section!r}: a {kind} integration needs {needs}",
                )
            )
        elif kind != owner and given:
            problems.append(
                ReferenceProblem(
                    (*at, section), f"{section} is only for {owner} integrations, not {kind}"
                )
            )
    heartbeat = integration.get("heartbeat")
    if kind == "heartbeat" and isinstance(heartbeat, dict):
        problems += _heartbeat_problems((*at, "heartbeat"), heartbeat)
    return problems


def _heartbeat_problems(at: Loc, heartbeat: dict[str, Any]) -> list[ReferenceProblem]:
    interval = heartbeat.get("interval") is not None
    cron = heartbeat.get("cron") is not None
    if interval and cron:
        return [ReferenceProblem((*at, "cron"), "give interval or cron, not both")]
    if not interval and not cron:
        return [
            ReferenceProblem(
                at, "missing 'interval' or 'cron': give one, e.g. interval: 1h or cron: '0 3 * * *'"
            )
        ]
    return []


def _alert_rule_problems(
    index: int, rule: dict[str, Any], severities: list[str] | None
) -> list[ReferenceProblem]:
    at: Loc = ("alert_rules", index)
    problems = _severity_problems((*at, "severity"), rule.get("severity"), severities)
    after = rule.get("after_occurrences") is not None
    if after and rule.get("within") is None:
        problems.append(
            ReferenceProblem(
                (*at, "after_occurrences"),
                "after_occurrences needs within: the window to count occurrences in, "
                "e.g. within: 10m",
            )
        )
    if not after and rule.get("within") is not None:
        problems.append(
            ReferenceProblem(
                (*at, "within"),
                "within applies only with after_occurrences: how many occurrences within "
                "the window it takes",
            )
        )
    if after and rule.get("firing_for") is not None:
        problems.append(
            ReferenceProblem(
                (*at, "firing_for"),
                "firing_for cannot be combined with after_occurrences: a rule waits for one "
                "or the other",
            )
        )
    return problems
