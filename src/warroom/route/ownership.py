"""Every alert gets an owner and an explanation of who decided.

Order: explicit labels (team, service) → the service catalog (service → team) →
naming-convention rules over the alert name → the integration's default → the triage team.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from warroom.alerts.state import AlertRow
from warroom.config import Config


@dataclass(frozen=True)
class Routing:
    team: str | None
    service: str | None
    step: str
    reason: str
    extra: dict[str, str] = field(default_factory=dict)

    def explanation(self) -> dict[str, object]:
        return {"step": self.step, "reason": self.reason, **self.extra}


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _service_owner(config: Config, slug: str | None) -> str | None:
    service = config.service(slug) if slug else None
    return service.team if service else None


def _known_service(config: Config, slug: str | None) -> str | None:
    return slug if slug and config.service(slug) is not None else None


def _noted(reason: str, notes: list[str]) -> str:
    """The reason, with what the earlier steps could not use (a misspelt label shows)."""
    return "; ".join([reason, *notes])


def route(config: Config, alert: AlertRow) -> Routing:
    labels = alert.labels or {}
    label_team = labels.get("team") or alert.team
    named_service = labels.get("service") or alert.service
    label_service = _known_service(config, named_service)

    if label_team and config.team(label_team):
        return Routing(label_team, label_service, "label", f"label team={label_team}")
    notes: list[str] = []
    if label_team:
        notes.append(f"label team={label_team} is not a configured team")
    if named_service and label_service is None:
        notes.append(f"label service={named_service} is not a configured service")

    owner = _service_owner(config, label_service)
    if owner:
        return Routing(
            owner,
            label_service,
            "catalog",
            f"label service={label_service} is owned by {owner} in the catalog",
        )

    name = labels.get("alertname") or alert.title
    for index, rule in enumerate(config.routing.naming_rules):
        match = _compiled(rule.pattern).search(name)
        if match is None:
            continue
        groups = {k: v for k, v in match.groupdict().items() if v}
        team = groups.get("team")
        service = _known_service(config, groups.get("service")) or label_service
        if team and config.team(team) is None:
            notes.append(f"naming rule {index} found team={team}, which is not configured")
            team = None
        team = team or _service_owner(config, service)
        if team:
            extra = {k: v for k, v in groups.items() if k in ("function", "product")}
            return Routing(
                team,
                service,
                "naming_rule",
                _noted(f"alert name {name!r} matches naming rule {index} ({rule.pattern})", notes),
                extra,
            )

    integration = config.integration(alert.integration)
    if integration is not None:
        default_service = _known_service(config, integration.service)
        team = integration.team or _service_owner(config, default_service)
        if team:
            return Routing(
                team,
                label_service or default_service,
                "integration_default",
                _noted(f"default of integration {alert.integration}", notes),
            )

    triage = config.incident_defaults.triage_team
    if triage:
        reason = "no label, service, naming rule or integration default applies"
        return Routing(
            triage, label_service, "triage", _noted(f"fallback triage team: {reason}", notes)
        )
    return Routing(
        None,
        label_service,
        "unrouted",
        _noted("nothing assigns an owner and no triage team is configured", notes),
    )
