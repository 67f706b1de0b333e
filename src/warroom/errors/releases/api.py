"""warroom's release API: releases with their deploys, recording them, and the release gate."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy.orm import Session

from warroom.config import Config
from warroom.errors.releases import gate, service
from warroom.errors.releases.commands import CommitRef, NewDeploy, NewRelease
from warroom.errors.releases.models import Deploy, Release
from warroom.errors.releases.projects import projects_named, require_project
from warroom.errors.releases.schemas import (
    CommitOut,
    DeployIn,
    DeployOut,
    FinalizeIn,
    GateIssueOut,
    GateOut,
    ReleaseDetailOut,
    ReleaseIn,
    ReleaseOut,
    RepositoryIn,
    RepositoryOut,
)
from warroom.http.deps import ConfigDep, NowDep, SessionDep, UserDep, WriterDep
from warroom.http.inputs import RowId
from warroom.problems import InvalidInput, NotFound

router = APIRouter(prefix="/api/v1", tags=["releases"])

COMMIT_SPEC = re.compile(r"^(?P<repo>[^@]+)@(?:(?P<previous>[^.@]+)\.\.)?(?P<commit>[^.@]+)$")


def parse_commit_spec(spec: str, field: str) -> CommitRef:
    """``REPO@SHA`` or ``REPO@FROM..TO``."""
    found = COMMIT_SPEC.match(spec.strip())
    if found is None:
        raise InvalidInput(f"{field}: {spec!r} is not REPO@SHA or REPO@FROM..TO", field=field)
    return CommitRef(found["repo"], found["commit"], found["previous"])


def _slug(config: Config, project_id: int) -> str:
    project = config.project_by_id(project_id)
    return project.slug if project is not None else str(project_id)


def deploys_out(
    session: Session, config: Config, deploys: Sequence[Deploy], versions: dict[int, str]
) -> list[DeployOut]:
    projects = service.deploy_projects(session, [d.id for d in deploys])
    return [
        DeployOut(
            id=d.id,
            release=versions[d.release_id],
            environment=d.environment,
            name=d.name,
            url=d.url,
            started_at=d.started_at,
            finished_at=d.finished_at,
            source=d.source.value,
            projects=sorted(_slug(config, pid) for pid in projects.get(d.id, [])),
            service_change_id=d.service_change_id,
        )
        for d in deploys
    ]


def releases_out(session: Session, config: Config, releases: Sequence[Release]) -> list[ReleaseOut]:
    ids = [r.id for r in releases]
    versions = {r.id: r.version for r in releases}
    projects = service.projects_of(session, ids)
    deploys = service.deploys_of(session, ids)
    commits = service.commit_counts(session, ids)
    return [
        ReleaseOut(
            version=r.version,
            projects=sorted(_slug(config, pid) for pid in projects.get(r.id, [])),
            ref=r.ref,
            url=r.url,
            created_at=r.created_at,
            date_started=r.date_started,
            date_released=r.date_released,
            finalized_at=r.finalized_at,
            commit_count=commits.get(r.id, 0),
            deploys=deploys_out(session, config, deploys.get(r.id, []), versions),
        )
        for r in releases
    ]


def release_detail(session: Session, config: Config, release: Release) -> ReleaseDetailOut:
    [summary] = releases_out(session, config, [release])
    commits = [
        CommitOut(
            repository=c.repository,
            id=c.commit_id,
            previous_id=c.previous_commit_id,
            message=c.message,
            author_name=c.author_name,
            author_email=c.author_email,
            committed_at=c.committed_at,
        )
        for c in service.commits_of(session, release)
    ]
    return ReleaseDetailOut(**summary.model_dump(), commits=commits)


@router.get("/releases", response_model=list[ReleaseOut], summary="Releases with their deploys")
def list_releases(
    _user: UserDep,
    session: SessionDep,
    config: ConfigDep,
    project: Annotated[str | None, Query(description="Only this project's releases.")] = None,
    limit: Annotated[int, Query(ge=1, le=service.DEFAULT_LIST_LIMIT)] = service.DEFAULT_LIST_LIMIT,
) -> list[ReleaseOut]:
    project_id = require_project(config, project).id if project else None
    return releases_out(session, config, service.list_releases(session, project_id, limit))


@router.post(
    "/releases", response_model=ReleaseDetailOut, status_code=201, summary="Record a release"
)
def create_release(
    body: ReleaseIn,
    _user: WriterDep,
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    response: Response,
) -> ReleaseDetailOut:
    projects = projects_named(config, body.projects)
    refs = [parse_commit_spec(spec, f"commits[{i}]") for i, spec in enumerate(body.commits)]
    release, created = service.record_release(
        session,
        NewRelease(body.version, [p.id for p in projects], ref=body.ref, url=body.url),
        now,
    )
    if refs:
        service.set_refs(session, release, refs, now)
    session.commit()
    response.status_code = 201 if created else 200
    return release_detail(session, config, release)


@router.get("/releases/{version}", response_model=ReleaseDetailOut, summary="A release")
def get_release(
    version: str, _user: UserDep, session: SessionDep, config: ConfigDep
) -> ReleaseDetailOut:
    return release_detail(session, config, service.require_release(session, version))


@router.post("/releases/{version}/finalize", response_model=ReleaseDetailOut, summary="Finalize")
def finalize_release(
    version: str,
    body: FinalizeIn,
    _user: WriterDep,
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
) -> ReleaseDetailOut:
    release = service.require_release(session, version)
    service.finalize(session, release, now, body.released_at)
    session.commit()
    return release_detail(session, config, release)


@router.post(
    "/releases/{version}/deploys",
    response_model=DeployOut,
    status_code=201,
    summary="Record a deploy",
)
def create_deploy(
    version: str,
    body: DeployIn,
    _user: WriterDep,
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
) -> DeployOut:
    release = service.require_release(session, version)
    projects = projects_named(config, body.projects)
    deploy = service.record_deploy(
        session,
        release,
        NewDeploy(
            environment=body.environment,
            name=body.name,
            url=body.url,
            started_at=body.started_at,
            finished_at=body.finished_at,
            project_ids=[p.id for p in projects],
        ),
        now,
    )
    session.commit()
    return deploys_out(session, config, [deploy], {release.id: release.version})[0]


@router.get(
    "/deploys/{deploy_id}", response_model=DeployOut, summary="A deploy (an issue's suspect)"
)
def get_deploy(
    deploy_id: RowId, _user: UserDep, session: SessionDep, config: ConfigDep
) -> DeployOut:
    deploy = session.get(Deploy, deploy_id)
    if deploy is None:
        raise NotFound(f"deploy {deploy_id} does not exist", field="deploy_id")
    release = session.get(Release, deploy.release_id)
    assert release is not None
    return deploys_out(session, config, [deploy], {release.id: release.version})[0]


@router.get("/releases/{version}/gate", response_model=GateOut, summary="The release gate")
def release_gate(
    version: str,
    _user: UserDep,
    session: SessionDep,
    config: ConfigDep,
    project: Annotated[str, Query(description="The project's slug.")],
    environment: Annotated[str, Query(description="The environment, e.g. staging.")],
) -> GateOut:
    """Passes when the project has no unresolved issue that is new in, or regressed in, this
    release in this environment; otherwise lists them."""
    found = require_project(config, project)
    service.check_version(version)
    service.check_environment(environment)
    result = gate.check(session, found.id, found.slug, version, environment)
    return GateOut(
        project=result.project,
        release=result.release,
        environment=result.environment,
        passed=result.passed,
        release_known=result.release_known,
        issues=[
            GateIssueOut(
                id=i.issue_id,
                short_id=i.short_id,
                title=i.title,
                culprit=i.culprit,
                level=i.level,
                reason=i.reason,
                first_seen=i.first_seen,
                events=i.events,
            )
            for i in result.issues
        ],
    )


@router.get("/repositories", response_model=list[RepositoryOut], summary="Repositories")
def list_repositories(_user: UserDep, session: SessionDep) -> list[RepositoryOut]:
    return [
        RepositoryOut(name=r.name, url=r.url, created_at=r.created_at)
        for r in service.list_repositories(session)
    ]


@router.post(
    "/repositories", response_model=RepositoryOut, status_code=201, summary="Add a repository"
)
def add_repository(
    body: RepositoryIn, _user: WriterDep, session: SessionDep, now: NowDep
) -> RepositoryOut:
    """sentry-cli's ``set-commits --commit REPO@SHA`` needs REPO to be known here first."""
    repository = service.ensure_repository(session, body.name, now, body.url)
    session.commit()
    return RepositoryOut(name=repository.name, url=repository.url, created_at=repository.created_at)
