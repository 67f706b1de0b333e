"""Read-only routes over the configured teams, services and severities."""

from __future__ import annotations

from fastapi import APIRouter

from warroom.config import Service, Severity, Team
from warroom.http.deps import ConfigDep, UserDep
from warroom.problems import NotFound

router = APIRouter(prefix="/api/v1", tags=["catalog"])


@router.get("/teams", response_model=list[Team])
def list_teams(config: ConfigDep, _user: UserDep) -> list[Team]:
    return list(config.teams)


@router.get("/teams/{slug}", response_model=Team)
def get_team(slug: str, config: ConfigDep, _user: UserDep) -> Team:
    team = config.team(slug)
    if team is None:
        raise NotFound(f"team '{slug}' is not in the config", field="slug")
    return team


@router.get("/services", response_model=list[Service])
def list_services(config: ConfigDep, _user: UserDep, team: str | None = None) -> list[Service]:
    return [s for s in config.services if team is None or s.team == team]


@router.get("/services/{slug}", response_model=Service)
def get_service(slug: str, config: ConfigDep, _user: UserDep) -> Service:
    found = config.service(slug)
    if found is None:
        raise NotFound(f"service '{slug}' is not in the config", field="slug")
    return found


@router.get("/severities", response_model=list[Severity])
def list_severities(config: ConfigDep, _user: UserDep) -> list[Severity]:
    return list(config.severities)
