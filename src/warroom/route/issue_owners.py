"""Who owns an error issue, and why (kept in ``routed_by``, as for alerts):

1. an explicit ``team`` tag on the event that names a configured team (teams annotate their
   code with the owning team, as the Mews seed does);
2. else the project's code-owner rules, applied to the event's top in-app frame (the last
   matching rule wins, as in Sentry);
3. else the project's team.
"""

from __future__ import annotations

from typing import Any

from warroom.config import Config
from warroom.config.projects import Project
from warroom.errors.ownership import match_owner
from warroom.route.ownership import Routing

TEAM_TAG = "team"


def _tag(event: dict[str, Any], name: str) -> str | None:
    for pair in event.get("tags") or ():
        if isinstance(pair, list | tuple) and len(pair) == 2 and pair[0] == name:
            value = pair[1]
            return value if isinstance(value, str) else None
    return None


def issue_owner(config: Config, project: Project, event: dict[str, Any]) -> Routing:
    service = project.service
    notes: list[str] = []
    tagged = _tag(event, TEAM_TAG)
    if tagged and config.team(tagged):
        return Routing(tagged, service, "tag", f"tag team={tagged}")
    if tagged:
        notes.append(f"tag team={tagged} is not a configured team")
    found = match_owner(project.ownership_rules, event)
    if found is not None and found.team is not None and config.team(found.team):
        return Routing(
            found.team,
            service,
            "code_owners",
            "; ".join([f"code owner rule {found.rule!r}", *notes]),
        )
    if found is not None:
        named = found.team or ", ".join(found.owners)
        notes.append(f"code owner rule {found.rule!r} names {named}, not a configured team")
    reason = f"project {project.slug} is owned by {project.team}"
    return Routing(project.team, service, "project", "; ".join([reason, *notes]))
