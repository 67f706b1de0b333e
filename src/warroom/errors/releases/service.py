"""Recording releases, their commits and deploys; reading them back.

Plain functions on a session: they flush, never commit (the request or job commits).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from warroom.errors.models import Issue, IssueRelease
from warroom.errors.releases.commands import CommitData, CommitRef, NewDeploy, NewRelease
from warroom.errors.releases.models import (
    COMMIT_ID_LENGTH,
    ENVIRONMENT_LENGTH,
    MESSAGE_LENGTH,
    NAME_LENGTH,
    REPOSITORY_LENGTH,
    URL_LENGTH,
    VERSION_LENGTH,
    Deploy,
    DeployProject,
    DeploySource,
    Release,
    ReleaseCommit,
    ReleaseProject,
    Repository,
)
from warroom.errors.releases.order import ReleaseOrder
from warroom.problems import InvalidInput, NotFound

DEFAULT_LIST_LIMIT = 100
FORBIDDEN_VERSIONS = (".", "..", "latest")
"""Names that cannot be a release: they would mean something else in a URL or to a user."""


def check_version(version: str, field: str = "version") -> str:
    """The version, or InvalidInput naming ``field``."""
    if not version or version != version.strip():
        raise InvalidInput(
            f"{field} must be a non-empty name without surrounding spaces", field=field
        )
    if len(version) > VERSION_LENGTH:
        raise InvalidInput(f"{field} is longer than {VERSION_LENGTH} characters", field=field)
    if version in FORBIDDEN_VERSIONS or "/" in version or any(c in version for c in "\n\r\t"):
        raise InvalidInput(
            f"{field} {version!r} is not a release name (no '/', tabs or newlines, "
            f"and not one of {', '.join(FORBIDDEN_VERSIONS)})",
            field=field,
        )
    return version


def check_text(value: str | None, field: str, limit: int) -> str | None:
    if value is not None and len(value) > limit:
        raise InvalidInput(f"{field} is longer than {limit} characters", field=field)
    return value


def check_environment(environment: str, field: str = "environment") -> str:
    if not environment.strip():
        raise InvalidInput(f"{field} must not be empty", field=field)
    check_text(environment, field, ENVIRONMENT_LENGTH)
    return environment


# --- releases -------------------------------------------------------------------------------


def get_release(session: Session, version: str) -> Release | None:
    return session.scalar(select(Release).where(Release.version == version))


def require_release(session: Session, version: str) -> Release:
    release = get_release(session, version)
    if release is None:
        raise NotFound(f"release {version!r} does not exist", field="version")
    return release


def record_release(session: Session, command: NewRelease, now: datetime) -> tuple[Release, bool]:
    """The release, created if new (and whether it was); projects are added, never removed,
    and the fields given replace what was there."""
    check_version(command.version)
    check_text(command.ref, "ref", NAME_LENGTH)
    check_text(command.url, "url", URL_LENGTH)
    release = get_release(session, command.version)
    created = release is None
    if release is None:
        release = Release(version=command.version, created_at=now)
        session.add(release)
    if command.ref is not None:
        release.ref = command.ref
    if command.url is not None:
        release.url = command.url
    if command.date_started is not None:
        release.date_started = command.date_started
    if command.date_released is not None:
        release.date_released = command.date_released
    session.flush()
    add_projects(session, release, command.project_ids, now)
    return release, created


def add_projects(
    session: Session, release: Release, project_ids: Iterable[int], now: datetime
) -> None:
    have = set(
        session.scalars(
            select(ReleaseProject.project_id).where(ReleaseProject.release_id == release.id)
        )
    )
    for project_id in sorted(set(project_ids) - have):
        session.add(ReleaseProject(release_id=release.id, project_id=project_id, first_seen=now))
    session.flush()


def finalize(
    session: Session, release: Release, now: datetime, released_at: datetime | None = None
) -> Release:
    """Mark the release done: ``date_released`` (given, kept, or now) and ``finalized_at``."""
    release.date_released = released_at or release.date_released or now
    if release.finalized_at is None:
        release.finalized_at = now
    session.flush()
    return release


def projects_of(session: Session, release_ids: Sequence[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = defaultdict(list)
    if release_ids:
        rows = session.execute(
            select(ReleaseProject.release_id, ReleaseProject.project_id)
            .where(ReleaseProject.release_id.in_(release_ids))
            .order_by(ReleaseProject.project_id)
        )
        for release_id, project_id in rows:
            found[release_id].append(project_id)
    return found


def list_releases(
    session: Session, project_id: int | None = None, limit: int = DEFAULT_LIST_LIMIT
) -> list[Release]:
    """Newest recorded first."""
    stmt = select(Release)
    if project_id is not None:
        stmt = stmt.join(ReleaseProject, ReleaseProject.release_id == Release.id).where(
            ReleaseProject.project_id == project_id
        )
    return list(
        session.scalars(stmt.order_by(Release.created_at.desc(), Release.id.desc()).limit(limit))
    )


def newest_release(session: Session, project_id: int) -> str | None:
    """The project's newest release, among those recorded for it and those its events named
    (release order: semver where both parse, else first seen)."""
    recorded = session.scalars(
        select(Release.version)
        .join(ReleaseProject, ReleaseProject.release_id == Release.id)
        .where(ReleaseProject.project_id == project_id)
    )
    evented = session.scalars(
        select(IssueRelease.release)
        .join(Issue, Issue.id == IssueRelease.issue_id)
        .where(Issue.project_id == project_id, IssueRelease.release != "")
        .distinct()
    )
    return ReleaseOrder(session, project_id).newest({*recorded, *evented})


# --- commits --------------------------------------------------------------------------------


def ensure_repository(
    session: Session, name: str, now: datetime, url: str | None = None
) -> Repository:
    if not name.strip():
        raise InvalidInput("repository name must not be empty", field="repository")
    check_text(name, "repository", REPOSITORY_LENGTH)
    check_text(url, "url", URL_LENGTH)
    repository = session.scalar(select(Repository).where(Repository.name == name))
    if repository is None:
        repository = Repository(name=name, url=url, created_at=now)
        session.add(repository)
        session.flush()
    elif url is not None:
        repository.url = url
    return repository


def list_repositories(session: Session) -> list[Repository]:
    return list(session.scalars(select(Repository).order_by(Repository.name)))


def _replace_commits(session: Session, release: Release, rows: list[ReleaseCommit]) -> None:
    session.execute(delete(ReleaseCommit).where(ReleaseCommit.release_id == release.id))
    seen: set[tuple[str, str]] = set()
    for row in rows:
        if (row.repository, row.commit_id) not in seen:
            seen.add((row.repository, row.commit_id))
            session.add(row)
    session.flush()


def _commit_id(value: str, field: str) -> str:
    if not value.strip():
        raise InvalidInput(f"{field} must not be empty", field=field)
    check_text(value, field, COMMIT_ID_LENGTH)
    return value


def set_refs(session: Session, release: Release, refs: Sequence[CommitRef], now: datetime) -> None:
    """The release's heads, one per repository (an empty list clears its commits)."""
    rows = []
    for index, ref in enumerate(refs):
        ensure_repository(session, ref.repository, now)
        rows.append(
            ReleaseCommit(
                release_id=release.id,
                repository=ref.repository,
                commit_id=_commit_id(ref.commit, f"refs[{index}].commit"),
                previous_commit_id=(
                    _commit_id(ref.previous_commit, f"refs[{index}].previousCommit")
                    if ref.previous_commit
                    else None
                ),
                position=index,
            )
        )
    _replace_commits(session, release, rows)


def set_commits(
    session: Session, release: Release, commits: Sequence[CommitData], now: datetime
) -> None:
    """The release's commits, newest first (they replace what was recorded)."""
    rows = []
    for index, commit in enumerate(commits):
        ensure_repository(session, commit.repository, now)
        rows.append(
            ReleaseCommit(
                release_id=release.id,
                repository=commit.repository,
                commit_id=_commit_id(commit.commit, f"commits[{index}].id"),
                message=(commit.message or "")[:MESSAGE_LENGTH] or None,
                author_name=check_text(
                    commit.author_name, f"commits[{index}].author_name", NAME_LENGTH
                ),
                author_email=check_text(
                    commit.author_email, f"commits[{index}].author_email", NAME_LENGTH
                ),
                committed_at=commit.committed_at,
                position=index,
            )
        )
    _replace_commits(session, release, rows)


def commits_of(session: Session, release: Release) -> list[ReleaseCommit]:
    return list(
        session.scalars(
            select(ReleaseCommit)
            .where(ReleaseCommit.release_id == release.id)
            .order_by(ReleaseCommit.position, ReleaseCommit.id)
        )
    )


def commit_counts(session: Session, release_ids: Sequence[int]) -> dict[int, int]:
    if not release_ids:
        return {}
    rows = session.execute(
        select(ReleaseCommit.release_id, func.count())
        .where(ReleaseCommit.release_id.in_(release_ids))
        .group_by(ReleaseCommit.release_id)
    )
    return {release_id: int(count) for release_id, count in rows}


def previous_with_commits(
    session: Session, release: Release
) -> tuple[Release, ReleaseCommit] | None:
    """The most recent release recorded before this one that has commits, with its head."""
    head = session.execute(
        select(Release, ReleaseCommit)
        .join(ReleaseCommit, ReleaseCommit.release_id == Release.id)
        .where(Release.id != release.id, Release.created_at <= release.created_at)
        .order_by(Release.created_at.desc(), Release.id.desc(), ReleaseCommit.position)
        .limit(1)
    ).first()
    return None if head is None else (head[0], head[1])


# --- deploys --------------------------------------------------------------------------------


def record_deploy(
    session: Session,
    release: Release,
    command: NewDeploy,
    now: datetime,
    *,
    source: DeploySource = DeploySource.API,
    service_change_id: int | None = None,
) -> Deploy:
    """A deploy of the release to one environment; without projects it ships all the
    release's projects (which it then gains, if it names others)."""
    check_environment(command.environment)
    check_text(command.name, "name", NAME_LENGTH)
    check_text(command.url, "url", URL_LENGTH)
    finished = command.finished_at or now
    if command.started_at is not None and command.started_at > finished:
        raise InvalidInput("dateStarted is after dateFinished", field="dateStarted")
    deploy = Deploy(
        release_id=release.id,
        environment=command.environment,
        name=command.name,
        url=command.url,
        started_at=command.started_at,
        finished_at=finished,
        source=source,
        service_change_id=service_change_id,
        created_at=now,
    )
    session.add(deploy)
    session.flush()
    project_ids = list(command.project_ids) or projects_of(session, [release.id]).get(
        release.id, []
    )
    add_projects(session, release, project_ids, now)
    for project_id in sorted(set(project_ids)):
        session.add(DeployProject(deploy_id=deploy.id, project_id=project_id))
    session.flush()
    return deploy


def deploys_of(session: Session, release_ids: Sequence[int]) -> dict[int, list[Deploy]]:
    """Each release's deploys, latest first."""
    found: dict[int, list[Deploy]] = defaultdict(list)
    if release_ids:
        rows = session.scalars(
            select(Deploy)
            .where(Deploy.release_id.in_(release_ids))
            .order_by(Deploy.finished_at.desc(), Deploy.id.desc())
        )
        for deploy in rows:
            found[deploy.release_id].append(deploy)
    return found


def deploy_projects(session: Session, deploy_ids: Sequence[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = defaultdict(list)
    if deploy_ids:
        rows = session.execute(
            select(DeployProject.deploy_id, DeployProject.project_id)
            .where(DeployProject.deploy_id.in_(deploy_ids))
            .order_by(DeployProject.project_id)
        )
        for deploy_id, project_id in rows:
            found[deploy_id].append(project_id)
    return found
