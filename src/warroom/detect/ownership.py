"""What warroom's own detectors put on their signals: the owning team and the severity
label that the configured severity map turns into the incident severity they want."""

from __future__ import annotations

from warroom.config import Config


def owning_team(config: Config, team: str | None, service: str | None) -> str | None:
    """``team`` if given, else the team of ``service``."""
    if team is not None:
        return team
    found = config.service(service) if service is not None else None
    return found.team if found is not None else None


def pick_severity(config: Config, chosen: str | None, default: str) -> str:
    """The configured key, else the default if the ladder has it, else the least severe."""
    if chosen is not None:
        return chosen
    return default if config.severity(default) is not None else config.severity_keys()[-1]


def severity_label(config: Config, key: str) -> str:
    """A severity label the severity map turns into ``key`` (the key itself if none does)."""
    for label, mapped in sorted(config.effective_severity_map.items()):
        if mapped == key:
            return label
    return key.lower()
