"""``warroom release …``: record releases and deploys, and gate a release in CI.

Talks to a warroom server over its REST API (``WARROOM_URL``, ``WARROOM_TOKEN``), like
``warroom incident``. The gate is one line in a pipeline::

    warroom release check --project api --release "$VERSION" --environment staging --wait 5m

Exit codes of ``check``: 0 the gate passes, 1 it does not (the issues are listed, or given
as JSON with ``--json``), 2 the check itself could not be made (bad options, unknown
project, server unreachable or refusing the token).
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import quote

import typer

from warroom.cli.client import USAGE_EXIT_CODE, ApiClient, ClientError, from_env
from warroom.cli.output import (
    Column,
    JsonOption,
    WideOption,
    fail,
    note,
    print_json,
    table,
    when,
)
from warroom.cli.remote import api, emit, instant, say
from warroom.config.values import format_duration, parse_duration

app = typer.Typer(
    help="Releases, deploys and the release gate (WARROOM_URL, WARROOM_TOKEN).",
    no_args_is_help=True,
)

RELEASES = "/api/v1/releases"
GATE_PASSED = 0
GATE_FAILED = 1
CHECK_ERROR = 2
DEFAULT_POLL_SECONDS = 10.0
MIN_POLL_SECONDS = 0.1
SERVER_ERROR = 500

AsJson = Annotated[bool, JsonOption]
Wide = Annotated[bool, WideOption]
RELEASE_COLUMNS = (
    Column("version", whole=True),
    Column("projects", priority=1),
    Column("created", priority=3, whole=True),
    Column("finalized", priority=2, whole=True),
    Column("commits", priority=3, whole=True),
    Column("last deploy", priority=1, min_width=20),
)
GATE_COLUMNS = (
    Column("issue", whole=True),
    Column("reason", whole=True),
    Column("events", priority=2, whole=True),
    Column("first seen", priority=1, whole=True),
    Column("title", min_width=30),
)
VersionArg = Annotated[str, typer.Argument(metavar="VERSION", help="The release, e.g. 1.2.0.")]
ProjectsOption = Annotated[
    list[str] | None,
    typer.Option("--project", "-p", help="A project's slug; repeat for several."),
]


def release_path(version: str, *parts: str) -> str:
    tail = "".join(f"/{part}" for part in parts)
    return f"{RELEASES}/{quote(version, safe='')}{tail}"


def _release_line(release: dict[str, Any]) -> str:
    projects = ", ".join(release["projects"]) or "no project"
    state = f"finalized {when(release['finalized_at'])}" if release["finalized_at"] else "open"
    return f"release {release['version']} ({projects}; {release['commit_count']} commits; {state})"


@app.command("new")
def new(
    version: VersionArg,
    projects: ProjectsOption = None,
    commits: Annotated[
        list[str] | None,
        typer.Option("--commit", "-c", help="Head as REPO@SHA or REPO@FROM..TO; repeatable."),
    ] = None,
    ref: Annotated[str | None, typer.Option("--ref", help="A git ref, e.g. a tag.")] = None,
    url: Annotated[str | None, typer.Option("--url", help="A link to the release.")] = None,
    finalize_now: Annotated[bool, typer.Option("--finalize", help="Finalize it at once.")] = False,
    as_json: AsJson = False,
) -> None:
    """Record a release of one or more projects (again: adds projects and commits)."""
    if not projects:
        fail("--project is required (the project's slug; repeat for several)", USAGE_EXIT_CODE)
    body: dict[str, Any] = {"version": version, "projects": projects, "commits": commits or []}
    if ref is not None:
        body["ref"] = ref
    if url is not None:
        body["url"] = url
    with api() as client:
        release = client.post(RELEASES, body)
        if finalize_now:
            release = client.post(release_path(version, "finalize"), {})
    emit(release, as_json, lambda: say(f"recorded {_release_line(release)}"))


@app.command("finalize")
def finalize(
    version: VersionArg,
    released_at: Annotated[
        str | None, typer.Option("--released-at", help="ISO 8601 time; default now.")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Mark a release as released."""
    body = {"released_at": instant(released_at, "--released-at")} if released_at else {}
    with api() as client:
        release = client.post(release_path(version, "finalize"), body)
    emit(release, as_json, lambda: say(f"finalized {_release_line(release)}"))


@app.command("deploy")
def deploy(
    version: VersionArg,
    environment: Annotated[
        str, typer.Option("--environment", "-e", help="Where it went, e.g. staging.")
    ],
    projects: ProjectsOption = None,
    name: Annotated[str | None, typer.Option("--name", help="The deploy's name.")] = None,
    url: Annotated[str | None, typer.Option("--url", help="A link to the deploy.")] = None,
    started: Annotated[
        str | None, typer.Option("--started", help="ISO 8601 time the deploy started.")
    ] = None,
    finished: Annotated[
        str | None, typer.Option("--finished", help="ISO 8601 time it finished; default now.")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Record a deploy of a release to an environment (default: all its projects)."""
    body: dict[str, Any] = {"environment": environment, "projects": projects or []}
    for key, value in (("name", name), ("url", url)):
        if value is not None:
            body[key] = value
    if started:
        body["started_at"] = instant(started, "--started")
    if finished:
        body["finished_at"] = instant(finished, "--finished")
    with api() as client:
        found = client.post(release_path(version, "deploys"), body)
    emit(
        found,
        as_json,
        lambda: say(
            f"deploy {found['id']}: release {found['release']} to {found['environment']} "
            f"({', '.join(found['projects'])}) at {when(found['finished_at'])}"
        ),
    )


@app.command("list")
def list_releases(
    project: Annotated[
        str | None, typer.Option("--project", "-p", help="Only this project's releases.")
    ] = None,
    as_json: AsJson = False,
    wide: Wide = False,
) -> None:
    """Releases, newest first, with their latest deploy."""
    params = {"project": project} if project else None
    with api() as client:
        releases = client.get(RELEASES, params=params)

    def human() -> None:
        rows = []
        for release in releases:
            latest = release["deploys"][0] if release["deploys"] else None
            rows.append(
                (
                    release["version"],
                    ", ".join(release["projects"]),
                    when(release["created_at"]),
                    when(release["finalized_at"]) if release["finalized_at"] else "open",
                    release["commit_count"],
                    f"{latest['environment']} {when(latest['finished_at'])}" if latest else "—",
                )
            )
        table(
            "Releases",
            RELEASE_COLUMNS,
            rows,
            wide,
        )

    emit(releases, as_json, human)


# --- the gate -----------------------------------------------------------------------------


def _wait(value: str | None) -> timedelta:
    if value is None:
        return timedelta(0)
    try:
        return parse_duration(value.strip())
    except ValueError as exc:
        fail(f"--wait: {exc}".replace("\n", " "), USAGE_EXIT_CODE)


def _transient(exc: ClientError) -> bool:
    """Worth asking again while waiting: the server is down, restarting or overloaded."""
    return exc.status is None or exc.status >= SERVER_ERROR


def poll_gate(
    client: ApiClient,
    path: str,
    params: dict[str, str],
    wait: timedelta,
    interval: float,
    sleep: Any = time.sleep,
    clock: Any = time.monotonic,
) -> dict[str, Any]:
    """The gate's answer; while it fails (or the server cannot answer), asked again every
    ``interval`` seconds until ``wait`` is over."""
    deadline = clock() + wait.total_seconds()
    while True:
        try:
            answer: dict[str, Any] = client.get(path, params=params)
        except ClientError as exc:
            if not _transient(exc) or clock() + interval > deadline:
                raise
        else:
            if answer["passed"] or clock() + interval > deadline:
                return answer
        sleep(interval)


def _report(gate: dict[str, Any], waited: timedelta, wide: bool) -> None:
    where = f"{gate['project']} {gate['release']} in {gate['environment']}"
    if not gate["release_known"]:
        note(f"note: warroom has not seen release {gate['release']} of {gate['project']} yet")
    if gate["passed"]:
        note(f"gate passed: {where} has no new or regressed unresolved issues")
        return
    count = len(gate["issues"])
    after = f" after waiting {format_duration(waited)}" if waited else ""
    note(f"gate failed{after}: {where} has {count} new or regressed unresolved issue(s)")
    table(
        "Issues",
        GATE_COLUMNS,
        [
            (i["short_id"], i["reason"], i["events"], when(i["first_seen"]), i["title"])
            for i in gate["issues"]
        ],
        wide,
    )


@app.command("check")
def check(
    project: Annotated[str, typer.Option("--project", "-p", help="The project's slug.")],
    release: Annotated[str, typer.Option("--release", "-r", help="The release to check.")],
    environment: Annotated[
        str, typer.Option("--environment", "-e", help="Where it runs now, e.g. staging.")
    ],
    wait: Annotated[
        str | None,
        typer.Option(
            "--wait",
            help="Ask again until the gate passes or this long is over (e.g. 5m), so the "
            "worker has processed events sent just before.",
        ),
    ] = None,
    interval: Annotated[
        float,
        typer.Option("--interval", min=MIN_POLL_SECONDS, help="Seconds between checks."),
    ] = DEFAULT_POLL_SECONDS,
    as_json: AsJson = False,
    wide: Wide = False,
) -> None:
    """The release gate: exit 0 when RELEASE has no new or regressed unresolved issues in
    ENVIRONMENT, 1 (listing them) when it has, 2 when it cannot be checked."""
    waited = _wait(wait)
    params = {"project": project, "environment": environment}
    try:
        client = from_env()
    except ClientError as exc:
        fail(exc.message, CHECK_ERROR)
    with client:
        try:
            gate = poll_gate(client, release_path(release, "gate"), params, waited, interval)
        except ClientError as exc:
            fail(exc.message, CHECK_ERROR)
        except (KeyError, TypeError, ValueError) as exc:
            fail(f"unexpected answer from warroom at {client.url} ({exc!r})", CHECK_ERROR)
    if as_json:
        print_json(gate)
    else:
        _report(gate, waited, wide)
    raise typer.Exit(GATE_PASSED if gate["passed"] else GATE_FAILED)
