"""``warroom errors …`` and ``warroom projects …``: error issues and projects over the REST
API (``WARROOM_URL``, ``WARROOM_TOKEN``); every command takes ``--json``."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from warroom.cli.client import USAGE_EXIT_CODE
from warroom.cli.output import Column, JsonOption, WideOption, table, when
from warroom.cli.output import fail as _fail
from warroom.cli.remote import api as _api
from warroom.cli.remote import emit as _emit
from warroom.cli.remote import say as _say
from warroom.config.values import parse_duration
from warroom.errors.models import IgnoreMode, IssueStatus, ResolveMode

errors_app = typer.Typer(
    help="Error issues from Sentry SDKs: list, show, resolve, ignore, explain.",
    no_args_is_help=True,
)
projects_app = typer.Typer(help="Error-tracking projects and their DSNs.", no_args_is_help=True)

ISSUES = "/api/v1/errors/issues"
EVENTS = "/api/v1/errors/events"
PROJECTS = "/api/v1/projects"
SECONDS_PER_MINUTE = 60
AsJson = Annotated[bool, JsonOption]
Wide = Annotated[bool, WideOption]
ISSUE_COLUMNS = (
    Column("issue", whole=True),
    Column("status", priority=1, whole=True),
    Column("title", min_width=30),
    Column("events", priority=1, whole=True),
    Column("users", priority=3, whole=True),
    Column("last seen", priority=2, whole=True),
    Column("team", priority=3, whole=True),
    Column("incident", priority=2, whole=True),
)
PROJECT_COLUMNS = (
    Column("project", whole=True),
    Column("id", whole=True),
    Column("team", priority=1, whole=True),
    Column("platform", priority=2, whole=True),
    Column("unresolved", priority=1, whole=True),
    Column("keys", priority=3, whole=True),
)


def _issue_line(issue: dict[str, Any]) -> str:
    return (
        f"{issue['short_id']} [{issue['status']}/{issue['substatus']}] {issue['title']} — "
        f"{issue['events']:,} events, {issue['users']:,} users"
    )


@errors_app.command("list")
def list_issues(
    project: Annotated[str | None, typer.Option("--project", help="Project slug.")] = None,
    status: Annotated[
        list[IssueStatus] | None, typer.Option("--status", help="unresolved, resolved, ignored.")
    ] = None,
    team: Annotated[str | None, typer.Option("--team", help="Owning team slug.")] = None,
    query: Annotated[str | None, typer.Option("--query", "-q", help="Text in the title.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=200)] = 50,
    as_json: AsJson = False,
    wide: Wide = False,
) -> None:
    """Issues, the most recently seen first."""
    params: dict[str, Any] = {"limit": limit}
    if project:
        params["project"] = project
    if status:
        params["status"] = [s.value for s in status]
    if team:
        params["team"] = team
    if query:
        params["query"] = query
    with _api() as client:
        page = client.get(ISSUES, params)

    def human() -> None:
        table(
            f"{page['total']:,} issue{'' if page['total'] == 1 else 's'}",
            ISSUE_COLUMNS,
            [
                [
                    i["short_id"],
                    i["status"],
                    i["title"],
                    f"{i['events']:,}",
                    f"{i['users']:,}",
                    when(i["last_seen"]),
                    i["team"],
                    i["incident"] or "",
                ]
                for i in page["items"]
            ],
            wide,
        )

    _emit(page, as_json, human)


@errors_app.command("show")
def show_issue(
    ref: Annotated[str, typer.Argument(help="Issue id or short id, e.g. API-3.")],
    as_json: AsJson = False,
) -> None:
    """An issue: counts, owner, tags, releases and its latest sample event."""
    with _api() as client:
        issue = client.get(f"{ISSUES}/{ref}")

    def human() -> None:
        _say(_issue_line(issue))
        _say(f"culprit: {issue['culprit'] or '—'}")
        _say(f"first seen {when(issue['first_seen'])}, last seen {when(issue['last_seen'])}")
        reason = (issue.get("routed_by") or {}).get("reason", "")
        _say(f"owned by {issue['team'] or 'nobody'}: {reason}")
        if issue["incident"]:
            _say(f"incident: {issue['incident']}")
        for key, values in issue["tags"].items():
            shown = ", ".join(f"{v['value']} ({v['count']:,})" for v in values)
            _say(f"  {key}: {shown}")
        for row in issue["releases"]:
            flag = " regressed" if row["regressed"] else ""
            _say(
                f"  release {row['release'] or '(none)'} in {row['environment']}: "
                f"{row['events']:,} events since {when(row['first_seen'])}{flag}"
            )
        sample = issue.get("sample")
        if sample:
            _say(f"latest sample event: {sample['event_id']}")

    _emit(issue, as_json, human)


@errors_app.command("resolve")
def resolve_issue(
    ref: Annotated[str, typer.Argument(help="Issue id or short id.")],
    next_release: Annotated[
        bool, typer.Option("--next-release", help="Resolved in the release after the current.")
    ] = False,
    in_release: Annotated[
        str | None, typer.Option("--in-release", help="Resolved in this release.")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Resolve an issue now, in the next release, or in a given release."""
    if next_release and in_release:
        _fail("give --next-release or --in-release, not both", USAGE_EXIT_CODE)
    body: dict[str, Any] = {"mode": ResolveMode.NOW.value}
    if next_release:
        body["mode"] = ResolveMode.NEXT_RELEASE.value
    if in_release:
        body = {"mode": ResolveMode.IN_RELEASE.value, "release": in_release}
    with _api() as client:
        issue = client.post(f"{ISSUES}/{ref}/resolve", body)
    _emit(issue, as_json, lambda: _say(_issue_line(issue)))


@errors_app.command("ignore")
def ignore_issue(
    ref: Annotated[str, typer.Argument(help="Issue id or short id.")],
    duration: Annotated[
        str | None, typer.Option("--for", help="For a time, e.g. 30m, 2h, 7d.")
    ] = None,
    events: Annotated[
        int | None, typer.Option("--until-events", min=1, help="Until N more events.")
    ] = None,
    users: Annotated[
        int | None, typer.Option("--until-users", min=1, help="Until N more users.")
    ] = None,
    escalating: Annotated[
        bool, typer.Option("--until-escalating", help="Until it escalates.")
    ] = False,
    as_json: AsJson = False,
) -> None:
    """Ignore an issue: forever (no option), for a time, until N events or users, or until
    it escalates."""
    chosen = [duration is not None, events is not None, users is not None, escalating]
    if sum(chosen) > 1:
        _fail(
            "give at most one of --for, --until-events, --until-users, --until-escalating",
            USAGE_EXIT_CODE,
        )
    body: dict[str, Any] = {"mode": IgnoreMode.FOREVER.value}
    if duration is not None:
        try:
            minutes = max(1, int(parse_duration(duration).total_seconds() // SECONDS_PER_MINUTE))
        except ValueError as exc:
            _fail(f"--for: {exc}", USAGE_EXIT_CODE)
        body = {"mode": IgnoreMode.FOR_TIME.value, "minutes": minutes}
    elif events is not None:
        body = {"mode": IgnoreMode.UNTIL_EVENTS.value, "count": events}
    elif users is not None:
        body = {"mode": IgnoreMode.UNTIL_USERS.value, "count": users}
    elif escalating:
        body = {"mode": IgnoreMode.UNTIL_ESCALATING.value}
    with _api() as client:
        issue = client.post(f"{ISSUES}/{ref}/ignore", body)
    _emit(issue, as_json, lambda: _say(_issue_line(issue)))


@errors_app.command("unresolve")
def unresolve_issue(
    ref: Annotated[str, typer.Argument(help="Issue id or short id.")], as_json: AsJson = False
) -> None:
    """Reopen a resolved or ignored issue."""
    with _api() as client:
        issue = client.post(f"{ISSUES}/{ref}/unresolve", {})
    _emit(issue, as_json, lambda: _say(_issue_line(issue)))


@errors_app.command("incident")
def issue_incident(
    ref: Annotated[str, typer.Argument(help="Issue id or short id.")],
    severity: Annotated[str | None, typer.Option("--severity", help="e.g. SEV2.")] = None,
    as_json: AsJson = False,
) -> None:
    """Open an incident for an issue (owned by the issue's team)."""
    with _api() as client:
        issue = client.post(f"{ISSUES}/{ref}/incident", {"severity": severity})
    _emit(issue, as_json, lambda: _say(f"{issue['short_id']} → {issue['incident']}"))


@errors_app.command("event")
def show_event(
    event_id: Annotated[str, typer.Argument(help="The event id an SDK answered with.")],
    as_json: AsJson = False,
) -> None:
    """A stored event by its id, and the issue it belongs to."""
    with _api() as client:
        event = client.get(f"{EVENTS}/{event_id}")

    def human() -> None:
        _say(f"event {event['event_id']} of issue {event['issue']} ({event['project']})")
        _say(
            f"{event['level']} at {when(event['timestamp'])}, release "
            f"{event['release'] or '—'}, environment {event['environment'] or '—'}"
        )
        if not event["stored"]:
            _say("(counted; its body is not kept, only samples are)")

    _emit(event, as_json, human)


@errors_app.command("explain")
def explain_event(
    event_id: Annotated[str, typer.Argument(help="The event id.")], as_json: AsJson = False
) -> None:
    """Which parts of an event made its grouping hashes (and so its issue)."""
    with _api() as client:
        found = client.get(f"{EVENTS}/{event_id}/grouping")
    _emit(found, as_json, lambda: _say(f"issue {found['issue']}\n{found['explanation']}"))


@projects_app.command("list")
def list_projects(as_json: AsJson = False, wide: Wide = False) -> None:
    """Projects with their team, platform and unresolved issues."""
    with _api() as client:
        projects = client.get(PROJECTS)

    def human() -> None:
        table(
            f"{len(projects)} project{'' if len(projects) == 1 else 's'}",
            PROJECT_COLUMNS,
            [
                [
                    p["slug"],
                    p["id"],
                    p["team"],
                    p["platform"],
                    p["unresolved_issues"],
                    sum(1 for k in p["keys"] if not k["disabled"]),
                ]
                for p in projects
            ],
            wide,
        )

    _emit(projects, as_json, human)


@projects_app.command("dsn")
def project_dsn(
    slug: Annotated[str, typer.Argument(help="Project slug.")], as_json: AsJson = False
) -> None:
    """The DSN to paste into SENTRY_DSN (the first enabled key; --json lists them all)."""
    with _api() as client:
        project = client.get(f"{PROJECTS}/{slug}")
    enabled = [k for k in project["keys"] if not k["disabled"]]
    if not enabled and not as_json:
        _fail(f"project {slug} has no enabled key")
    _emit(project["keys"], as_json, lambda: _say(enabled[0]["dsn"]))
