"""The part of Sentry's web API that sentry-cli 3.x calls for releases and deploys.

What each command sends (``…`` is ``/api/0/organizations/{org}``):

- ``info``: ``GET /api/0/``
- ``releases new V``: ``POST …/releases/``
- ``releases set-commits V --commit REPO@SHA`` (or ``--clear``): ``GET …/repos/``, then
  ``POST …/releases/`` and ``PUT …/releases/V/`` with ``refs``
- ``releases set-commits V --auto|--local``, or any set-commits when no repository is known:
  ``GET …/releases/V/previous-with-commits/``, then ``PUT …/releases/V/`` with ``commits``
  read from the local git history
- ``releases finalize V``: ``PUT …/releases/V/`` with ``dateReleased``
- ``releases info V``: ``GET …/releases/V/``
- ``releases list``: ``GET /api/0/projects/{org}/{project}/releases/``
- ``deploys new -r V -e ENV``: ``POST …/releases/V/deploys/``
- ``deploys list -r V``: ``GET …/releases/V/deploys/``

The token is a warroom API token (``Authorization: Bearer``): reading needs any user, writing a
responder or admin. warroom has one organisation, so ``{org}`` may be any slug. Projects are
the configuration's project slugs (or numeric ids). Errors are ``{"detail": "…"}``, which
sentry-cli prints: 401 for a missing or bad token, 403 for a viewer writing, 404 for an unknown
project or release, 400 for bad input (the message names the field).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from warroom.auth import service as auth_service
from warroom.auth.models import User
from warroom.auth.permissions import Permission
from warroom.clock import as_utc
from warroom.config import Config
from warroom.errors.models import Issue
from warroom.errors.releases import service
from warroom.errors.releases.commands import CommitData, CommitRef, NewDeploy, NewRelease
from warroom.errors.releases.models import NAME_LENGTH, URL_LENGTH, Deploy, Release, ReleaseCommit
from warroom.errors.releases.projects import projects_named, require_project
from warroom.errors.releases.schemas import (
    SentryDeployIn,
    SentryReleaseIn,
    SentryReleaseUpdate,
)
from warroom.http.deps import (
    PERMISSION_ATTRIBUTE,
    ConfigDep,
    NowDep,
    SessionDep,
    bearer,
    client_address,
    get_now,
    refuse,
)
from warroom.http.errors import field_path
from warroom.problems import InvalidInput, Unauthorized, WarroomError

API_VERSION = "0"
PROVIDER = {"id": "warroom", "name": "warroom"}
"""Repositories here are names commits are recorded against, not an integration."""
READ_SCOPES = ["org:read", "project:read"]
WRITE_SCOPES = ["org:read", "project:read", "project:releases", "project:write"]
STATUS_ALREADY_REPORTED = 208
"""The answer to creating a release that exists (it is updated), as Sentry gives."""


def sentry_error(status: int, detail: str) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == Unauthorized.status_code else None
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


def _validation_detail(exc: RequestValidationError) -> str:
    for error in exc.errors():
        if error.get("type") == "json_invalid":
            return "the request body is not valid JSON"
    first: dict[str, Any] = next(iter(exc.errors()), {})
    field = field_path(first.get("loc", ()))
    if first.get("type") == "missing":
        return f"{field}: is required"
    return f"{field}: {first.get('msg', 'is invalid')}"


async def _refuse_stranger(request: Request) -> JSONResponse | None:
    credentials = await bearer(request)

    def authenticate() -> None:
        with request.app.state.session_factory() as session:
            reader(request, optional_user(request, session, get_now(request), credentials))

    try:
        await run_in_threadpool(authenticate)
    except Unauthorized as exc:
        return sentry_error(exc.status_code, exc.message)
    return None


class SentryRoute(APIRoute):
    """Answers errors in Sentry's shape, ``{"detail": "…"}``, which sentry-cli shows."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def sentry_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                # FastAPI reads the body before it resolves dependencies: strangers get
                # their 401, never a 400 about the body.
                refused = await _refuse_stranger(request)
                return refused or sentry_error(400, _validation_detail(exc))
            except InvalidInput as exc:
                return sentry_error(400, exc.message)
            except WarroomError as exc:
                return sentry_error(exc.status_code, exc.message)

        return sentry_handler


router = APIRouter(prefix="/api/0", tags=["sentry-cli"], route_class=SentryRoute)


def optional_user(
    request: Request,
    session: SessionDep,
    now: NowDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> User | None:
    """The token's user; None without a token; 401 for a token that is not valid."""
    if credentials is None:
        return None
    principal = auth_service.authenticate(
        session, credentials.credentials, now, client_address(request)
    )
    if principal is None:
        raise Unauthorized("invalid or revoked token: create one with 'warroom tokens create'")
    session.commit()
    request.state.user = principal.user.username
    request.state.principal = principal
    return principal.user


def _requiring(permission: Permission) -> Callable[..., User]:
    def dependency(request: Request, user: Annotated[User | None, Depends(optional_user)]) -> User:
        if user is None:
            raise Unauthorized("authentication required: send 'Authorization: Bearer <token>'")
        refuse(request.state.principal, permission)
        return user

    dependency.__name__ = f"sentry_cli_{permission.value}"
    setattr(dependency, PERMISSION_ATTRIBUTE, permission)
    return dependency


reader = _requiring(Permission.READ)
writer = _requiring(Permission.RESPOND)


ReaderDep = Annotated[User, Depends(reader)]
WriterDep = Annotated[User, Depends(writer)]


# --- answers ------------------------------------------------------------------------------


def _time(value: datetime | None) -> str | None:
    return None if value is None else as_utc(value).isoformat().replace("+00:00", "Z")


def _project(config: Config, project_id: int) -> dict[str, Any]:
    project = config.project_by_id(project_id)
    slug = project.slug if project is not None else str(project_id)
    return {"id": str(project_id), "slug": slug, "name": slug}


def deploy_json(deploy: Deploy) -> dict[str, Any]:
    return {
        "id": str(deploy.id),
        "environment": deploy.environment,
        "name": deploy.name,
        "url": deploy.url,
        "dateStarted": _time(deploy.started_at),
        "dateFinished": _time(deploy.finished_at),
    }


def commit_json(commit: ReleaseCommit) -> dict[str, Any]:
    author = (
        {"name": commit.author_name, "email": commit.author_email}
        if commit.author_name or commit.author_email
        else None
    )
    return {
        "id": commit.commit_id,
        "message": commit.message,
        "dateCreated": _time(commit.committed_at),
        "author": author,
        "repository": {"name": commit.repository},
    }


def releases_json(
    session: Session, config: Config, releases: Sequence[Release]
) -> list[dict[str, Any]]:
    ids = [release.id for release in releases]
    projects = service.projects_of(session, ids)
    deploys = service.deploys_of(session, ids)
    commits = service.commit_counts(session, ids)
    heads: dict[int, str] = {
        release_id: commit_id
        for release_id, commit_id in session.execute(
            select(ReleaseCommit.release_id, ReleaseCommit.commit_id).where(
                ReleaseCommit.release_id.in_(ids), ReleaseCommit.position == 0
            )
        )
    }
    versions = [release.version for release in releases]
    new_groups: dict[str | None, int] = {
        version: int(count)
        for version, count in session.execute(
            select(Issue.first_release, func.count())
            .where(Issue.first_release.in_(versions))
            .group_by(Issue.first_release)
        )
    }
    out = []
    for release in releases:
        latest = deploys.get(release.id, [])
        head = heads.get(release.id)
        out.append(
            {
                "version": release.version,
                "shortVersion": release.version,
                "ref": release.ref,
                "url": release.url,
                "status": "open",
                "dateCreated": _time(release.created_at),
                "dateStarted": _time(release.date_started),
                "dateReleased": _time(release.date_released),
                "firstEvent": None,
                "lastEvent": None,
                "newGroups": int(new_groups.get(release.version, 0)),
                "projects": [_project(config, pid) for pid in projects.get(release.id, [])],
                "commitCount": commits.get(release.id, 0),
                "lastCommit": {"id": head} if head else None,
                "deployCount": len(latest),
                "lastDeploy": deploy_json(latest[0]) if latest else None,
                "authors": [],
                "data": {},
            }
        )
    return out


def release_json(session: Session, config: Config, release: Release) -> dict[str, Any]:
    return releases_json(session, config, [release])[0]


# --- writes shared by POST and PUT ----------------------------------------------------------


def _apply(
    session: Session,
    config: Config,
    release: Release,
    body: SentryReleaseUpdate,
    now: datetime,
) -> None:
    if body.projects:
        ids = [p.id for p in projects_named(config, body.projects)]
        service.add_projects(session, release, ids, now)
    if body.ref is not None:
        release.ref = service.check_text(body.ref, "ref", NAME_LENGTH)
    if body.url is not None:
        release.url = service.check_text(body.url, "url", URL_LENGTH)
    if body.date_started is not None:
        release.date_started = body.date_started
    if body.refs is not None:
        refs = [CommitRef(r.repository, r.commit, r.previous_commit) for r in body.refs]
        service.set_refs(session, release, refs, now)
    if body.commits is not None:
        commits = [
            CommitData(
                repository=c.repository or "",
                commit=c.id,
                message=c.message,
                author_name=c.author_name,
                author_email=c.author_email,
                committed_at=c.timestamp,
            )
            for c in body.commits
        ]
        service.set_commits(session, release, commits, now)
    if body.date_released is not None:
        service.finalize(session, release, now, as_utc(body.date_released))


# --- routes -------------------------------------------------------------------------------


@router.get("/", summary="sentry-cli info: who the token belongs to")
def auth_info(request: Request, user: ReaderDep) -> dict[str, Any]:
    writes = request.state.principal.may(Permission.RESPOND)
    return {
        "version": API_VERSION,
        "auth": {"scopes": WRITE_SCOPES if writes else READ_SCOPES},
        "user": {
            "id": str(user.id),
            "username": user.username,
            "name": user.display_name or user.username,
            "email": user.email or user.username,
        },
    }


@router.get("/organizations/{org}/repos/", summary="Repositories commits are recorded against")
def list_repos(org: str, _user: ReaderDep, session: SessionDep) -> list[dict[str, Any]]:
    return [
        {
            "id": str(repo.id),
            "name": repo.name,
            "url": repo.url,
            "provider": PROVIDER,
            "status": "active",
            "dateCreated": _time(repo.created_at),
        }
        for repo in service.list_repositories(session)
    ]


@router.get("/organizations/{org}/releases/", summary="List releases")
def list_org_releases(
    org: str,
    _user: ReaderDep,
    session: SessionDep,
    config: ConfigDep,
    project: Annotated[str | None, Query(description="A project id or slug.")] = None,
    per_page: Annotated[
        int, Query(ge=1, le=service.DEFAULT_LIST_LIMIT)
    ] = service.DEFAULT_LIST_LIMIT,
) -> list[dict[str, Any]]:
    project_id = require_project(config, project).id if project else None
    return releases_json(session, config, service.list_releases(session, project_id, per_page))


@router.get("/projects/{org}/{project}/releases/", summary="List a project's releases")
def list_project_releases(
    org: str, project: str, _user: ReaderDep, session: SessionDep, config: ConfigDep
) -> list[dict[str, Any]]:
    found = require_project(config, project)
    return releases_json(session, config, service.list_releases(session, found.id))


def _create(
    session: Session, config: Config, body: SentryReleaseIn, now: datetime, response: Response
) -> dict[str, Any]:
    if not body.projects:
        raise InvalidInput("projects: at least one project is required", field="projects")
    projects = projects_named(config, body.projects)
    release, created = service.record_release(
        session,
        NewRelease(version=body.version, project_ids=[p.id for p in projects]),
        now,
    )
    _apply(session, config, release, body, now)
    session.commit()
    response.status_code = 201 if created else STATUS_ALREADY_REPORTED
    return release_json(session, config, release)


@router.post("/organizations/{org}/releases/", status_code=201, summary="Create a release")
def create_release(
    org: str,
    body: SentryReleaseIn,
    _user: WriterDep,
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    response: Response,
) -> dict[str, Any]:
    return _create(session, config, body, now, response)


@router.post("/projects/{org}/{project}/releases/", status_code=201, summary="Create a release")
def create_project_release(
    org: str,
    project: str,
    body: SentryReleaseIn,
    _user: WriterDep,
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    response: Response,
) -> dict[str, Any]:
    found = require_project(config, project)
    body.projects = [*(body.projects or []), found.slug]
    return _create(session, config, body, now, response)


@router.get("/organizations/{org}/releases/{version}/", summary="A release")
def get_release(
    org: str, version: str, _user: ReaderDep, session: SessionDep, config: ConfigDep
) -> dict[str, Any]:
    return release_json(session, config, service.require_release(session, version))


@router.put("/organizations/{org}/releases/{version}/", summary="Update, set commits, finalize")
def update_release(
    org: str,
    version: str,
    body: Annotated[SentryReleaseUpdate, Body()],
    _user: WriterDep,
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
) -> dict[str, Any]:
    release = service.require_release(session, version)
    _apply(session, config, release, body, now)
    session.commit()
    return release_json(session, config, release)


@router.get("/organizations/{org}/releases/{version}/commits/", summary="A release's commits")
def list_commits(
    org: str, version: str, _user: ReaderDep, session: SessionDep
) -> list[dict[str, Any]]:
    release = service.require_release(session, version)
    return [commit_json(commit) for commit in service.commits_of(session, release)]


@router.get(
    "/organizations/{org}/releases/{version}/previous-with-commits/",
    summary="The release before this one that has commits ({} when none)",
)
def previous_with_commits(
    org: str, version: str, _user: ReaderDep, session: SessionDep, config: ConfigDep
) -> dict[str, Any]:
    release = service.require_release(session, version)
    previous = service.previous_with_commits(session, release)
    if previous is None:
        return {}
    return release_json(session, config, previous[0])


@router.post(
    "/organizations/{org}/releases/{version}/deploys/", status_code=201, summary="Record a deploy"
)
def create_deploy(
    org: str,
    version: str,
    body: SentryDeployIn,
    _user: WriterDep,
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
) -> dict[str, Any]:
    release = service.require_release(session, version)
    projects = projects_named(config, body.projects or [])
    deploy = service.record_deploy(
        session,
        release,
        NewDeploy(
            environment=body.environment,
            name=body.name,
            url=body.url,
            started_at=body.date_started,
            finished_at=body.date_finished,
            project_ids=[p.id for p in projects],
        ),
        now,
    )
    session.commit()
    return deploy_json(deploy)


@router.get("/organizations/{org}/releases/{version}/deploys/", summary="A release's deploys")
def list_deploys(
    org: str, version: str, _user: ReaderDep, session: SessionDep
) -> list[dict[str, Any]]:
    release = service.require_release(session, version)
    return [deploy_json(d) for d in service.deploys_of(session, [release.id]).get(release.id, [])]
