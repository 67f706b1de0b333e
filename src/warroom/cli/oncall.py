"""``warroom oncall …``: who is on call, a schedule's shifts, and overrides, over the REST API.

The server is ``WARROOM_URL`` and the caller whoever owns ``WARROOM_TOKEN``; ``--json``
prints the API's answer as is; a failure is one ``error:`` line on stderr. Times are shown
in the schedule's time zone; times given without an offset are local to this machine.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer

from warroom.cli.output import Column, JsonOption, WideOption, table
from warroom.cli.remote import api, emit, instant, say

app = typer.Typer(
    help="On-call schedules: who is on call, shifts, and overrides.", no_args_is_help=True
)
override_app = typer.Typer(
    help="Overrides: someone covers a schedule (or one person's part of it) for a while.",
    no_args_is_help=True,
)
app.add_typer(override_app, name="override")

AsJson = Annotated[bool, JsonOption]
Wide = Annotated[bool, WideOption]
FromOption = Annotated[
    str | None,
    typer.Option("--from", help="Start, ISO 8601 (local time without an offset); default now."),
]
ToOption = Annotated[
    str | None,
    typer.Option("--to", help="End, ISO 8601; default a week after --from (at most 366 days)."),
]


def _local(value: str | None, zone: str) -> str:
    if value is None:
        return "—"
    moment = datetime.fromisoformat(value).astimezone(ZoneInfo(zone))
    return moment.strftime("%a %Y-%m-%d %H:%M")


def _schedule_path(slug: str, *parts: str) -> str:
    return "/".join([f"/api/v1/schedules/{slug}", *parts])


def _people(entries: list[dict[str, Any]], zone: str) -> tuple[str, str]:
    if not entries:
        return "nobody (gap)", "—"
    names = ", ".join(f"{e['name']} ({e['username']})" for e in entries)
    untils = ", ".join(_local(e["until"], zone) if e["until"] else "35+ days" for e in entries)
    return names, untils


@app.command("now")
def now(
    team: Annotated[str | None, typer.Option("--team", help="Only this team's schedules.")] = None,
    at: Annotated[
        str | None, typer.Option("--at", help="At this time instead of now, ISO 8601.")
    ] = None,
    as_json: AsJson = False,
    wide: Wide = False,
) -> None:
    """Who is on call now (or --at), on each schedule, and until when."""
    params: dict[str, str] = {}
    if team is not None:
        params["team"] = team
    if at is not None:
        params["at"] = instant(at, "--at")
    with api() as client:
        entries = client.get("/api/v1/oncall", params=params)

    def human() -> None:
        if not entries:
            say("no schedules configured" + (f" for team {team}" if team else ""))
            return
        rows = []
        for entry in entries:
            who, until = _people(entry["on_call"], entry["timezone"])
            rows.append([entry["schedule"], entry["team"] or "", who, until, entry["timezone"]])
        table(
            f"On call at {_local(entries[0]['at'], 'UTC')} UTC",
            NOW_COLUMNS,
            rows,
            wide,
        )

    emit(entries, as_json, human)


@app.command("show")
def show(
    schedule: Annotated[str, typer.Argument(help="Schedule slug.")],
    from_: FromOption = None,
    to: ToOption = None,
    as_json: AsJson = False,
    wide: Wide = False,
) -> None:
    """A schedule's shifts between --from and --to, in the schedule's time zone."""
    params: dict[str, str] = {}
    if from_ is not None:
        params["from"] = instant(from_, "--from")
    if to is not None:
        params["to"] = instant(to, "--to")
    with api() as client:
        body = client.get(_schedule_path(schedule, "shifts"), params=params)

    def human() -> None:
        zone = body["timezone"]
        rows = [
            [
                _local(s["start"], zone),
                _local(s["end"], zone),
                f"{s['name']} ({s['username']})",
                f"override #{s['override_id']}" if s["override_id"] else s["layer"] or "calendar",
            ]
            for s in body["shifts"]
        ]
        title = (
            f"{body['schedule']}: {_local(body['start'], zone)} - {_local(body['end'], zone)} "
            f"({zone})"
        )
        if not rows:
            say(f"{title}: nobody on call")
            return
        table(title, SHIFT_COLUMNS, rows, wide)
        if body.get("unmatched_events"):
            say(f"{body['unmatched_events']} calendar events match no configured person")

    emit(body, as_json, human)


def _override_rows(overrides: list[dict[str, Any]]) -> list[list[object]]:
    return [
        [
            o["id"],
            o["user"],
            o["replaces"] or "everyone",
            _local(o["start"], "UTC"),
            _local(o["end"], "UTC"),
            "cancelled" if o["cancelled_at"] else "",
            o["reason"],
        ]
        for o in overrides
    ]


NOW_COLUMNS = (
    Column("Schedule", whole=True),
    Column("Team", priority=2, whole=True),
    Column("On call", min_width=20),
    Column("Until", priority=1, min_width=20),
    Column("Zone", priority=3, whole=True),
)
SHIFT_COLUMNS = (
    Column("Start", whole=True),
    Column("End", whole=True),
    Column("On call", min_width=20),
    Column("From", priority=1),
)
OVERRIDE_COLUMNS = (
    Column("ID", whole=True),
    Column("User", whole=True),
    Column("Replaces", priority=2, whole=True),
    Column("Start (UTC)", priority=1, whole=True),
    Column("End (UTC)", priority=1, whole=True),
    Column("State", priority=1, whole=True),
    Column("Reason", priority=3),
)


@override_app.command("add")
def override_add(
    schedule: Annotated[str, typer.Argument(help="Schedule slug.")],
    user: Annotated[str, typer.Option("--user", help="Who covers (a configured person).")],
    from_: Annotated[str, typer.Option("--from", help="Start, ISO 8601.")],
    to: Annotated[str, typer.Option("--to", help="End, ISO 8601.")],
    replaces: Annotated[
        str | None,
        typer.Option(
            "--replaces",
            help="Cover only where this person is on call (a swap is two overrides); "
            "default: the whole schedule.",
        ),
    ] = None,
    reason: Annotated[str, typer.Option("--reason", help="Why, shown in the list.")] = "",
    as_json: AsJson = False,
) -> None:
    """Put someone on call on a schedule for a while."""
    body: dict[str, Any] = {
        "user": user,
        "start": instant(from_, "--from"),
        "end": instant(to, "--to"),
        "reason": reason,
    }
    if replaces is not None:
        body["replaces"] = replaces
    with api() as client:
        made = client.post(_schedule_path(schedule, "overrides"), json=body)

    def human() -> None:
        covers = f"covers {made['replaces']}" if made["replaces"] else "covers everyone"
        say(
            f"override #{made['id']}: {made['user']} {covers} on {made['schedule']} "
            f"from {_local(made['start'], 'UTC')} to {_local(made['end'], 'UTC')} UTC"
        )

    emit(made, as_json, human)


@override_app.command("list")
def override_list(
    schedule: Annotated[str, typer.Argument(help="Schedule slug.")],
    from_: FromOption = None,
    to: ToOption = None,
    cancelled: Annotated[
        bool, typer.Option("--cancelled", help="Also cancelled overrides.")
    ] = False,
    as_json: AsJson = False,
    wide: Wide = False,
) -> None:
    """A schedule's overrides (not cancelled, unless --cancelled)."""
    params: dict[str, str] = {}
    if from_ is not None:
        params["from"] = instant(from_, "--from")
    if to is not None:
        params["to"] = instant(to, "--to")
    if cancelled:
        params["cancelled"] = "true"
    with api() as client:
        found = client.get(_schedule_path(schedule, "overrides"), params=params)

    def human() -> None:
        if not found:
            say(f"no overrides on {schedule}")
            return
        table(f"Overrides of {schedule}", OVERRIDE_COLUMNS, _override_rows(found), wide)

    emit(found, as_json, human)


@override_app.command("cancel")
def override_cancel(
    schedule: Annotated[str, typer.Argument(help="Schedule slug.")],
    override_id: Annotated[int, typer.Argument(help="Override id (see override list).")],
    as_json: AsJson = False,
) -> None:
    """Cancel an override; the rotation applies again (the override stays listed)."""
    with api() as client:
        cancelled = client.delete(_schedule_path(schedule, "overrides", str(override_id)))
    emit(cancelled, as_json, lambda: say(f"override #{cancelled['id']} cancelled"))
