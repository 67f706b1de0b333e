"""Naming projects: by slug (or, as sentry-cli may, by numeric id)."""

from __future__ import annotations

from collections.abc import Iterable

from warroom.config import Config
from warroom.config.projects import Project
from warroom.problems import InvalidInput, NotFound


def _known(config: Config) -> str:
    return ", ".join(sorted(p.slug for p in config.projects)) or "none configured"


def project_named(config: Config, name: str | int) -> Project | None:
    if isinstance(name, int) or (isinstance(name, str) and name.isdecimal() and name.isascii()):
        return config.project_by_id(int(name))
    return config.project(name)


def require_project(config: Config, name: str, field: str = "project") -> Project:
    """The project, or NotFound naming the field (a project in a path or a query)."""
    project = project_named(config, name)
    if project is None:
        raise NotFound(f"project {name!r} does not exist (known: {_known(config)})", field=field)
    return project


def projects_named(
    config: Config, names: Iterable[str | int], field: str = "projects"
) -> list[Project]:
    """The projects, or InvalidInput naming the first unknown one (a project in a body)."""
    found: dict[int, Project] = {}
    for index, name in enumerate(names):
        project = project_named(config, name)
        if project is None:
            raise InvalidInput(
                f"{field}[{index}]: project {name!r} does not exist (known: {_known(config)})",
                field=f"{field}[{index}]",
            )
        found[project.id] = project
    return list(found.values())
