"""``warroom insights durations|load|noise|detection|oncall|actions|factors``:
the insights over the REST API.

Like ``warroom incident``, the server is ``WARROOM_URL`` and the caller owns ``WARROOM_TOKEN``;
``--json`` prints the API's answer as is. Durations are shown in minutes.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from warroom.cli.output import Column, JsonOption, WideOption, note, table
from warroom.cli.remote import api as _api
from warroom.cli.remote import emit as _emit
from warroom.cli.remote import instant as _instant
from warroom.cli.remote import say as _say

app = typer.Typer(
    help="Insights: response times, incident load, alert noise, on-call health, detection.",
    no_args_is_help=True,
)
INSIGHTS = "/api/v1/insights"
METRICS = ("ttd", "tta", "ttm", "ttr")

Since = Annotated[
    str | None, typer.Option("--since", help="Window start, ISO 8601; default 30 days ago.")
]
Until = Annotated[str | None, typer.Option("--until", help="Window end, ISO 8601; default now.")]
Drills = Annotated[bool, typer.Option("--include-drills", help="Count drills too.")]
AsJson = Annotated[bool, JsonOption]
Wide = Annotated[bool, WideOption]


def _params(since: str | None, until: str | None, **more: Any) -> dict[str, Any]:
    params: dict[str, Any] = {k: v for k, v in more.items() if v is not None}
    if since is not None:
        params["since"] = _instant(since, "--since")
    if until is not None:
        params["until"] = _instant(until, "--until")
    return params


def _minutes(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds / 60:.1f}"


def _share(value: float | None) -> str:
    return "-" if value is None else f"{round(100 * value)}%"


def _window(body: dict[str, Any]) -> str:
    return f"{body['window']['since'][:16]} to {body['window']['until'][:16]}"


@app.command("durations")
def durations(
    group_by: Annotated[
        str, typer.Option("--by", help="Group by team, service or severity.")
    ] = "team",
    since: Since = None,
    until: Until = None,
    include_drills: Drills = False,
    as_json: AsJson = False,
    wide: Wide = False,
) -> None:
    """MTTD, MTTA, MTTM, MTTR (median and p90, minutes) and incident counts per group."""
    params = _params(since, until, group_by=group_by, include_drills=include_drills or None)
    with _api() as api:
        body = api.get(f"{INSIGHTS}/durations", params=params)

    def show() -> None:
        columns = [Column(body["group_by"].upper(), whole=True), Column("N", whole=True)]
        for i, metric in enumerate(METRICS):
            columns.append(Column(f"{metric.upper()} MED", whole=True, priority=1 + i))
            columns.append(Column(f"{metric.upper()} P90", whole=True, priority=5 + i))
        rows = []
        for group in [*body["groups"], body["overall"]]:
            row: list[object] = [group["key"], group["incidents"]]
            for metric in METRICS:
                figures = group["metrics"][metric]
                row += [_minutes(figures["median"]), _minutes(figures["p90"])]
            rows.append(row)
        table(f"Response times in minutes, {_window(body)}", columns, rows, wide)

    _emit(body, as_json, show)


@app.command("load")
def load(
    since: Since = None,
    until: Until = None,
    include_drills: Drills = False,
    as_json: AsJson = False,
    wide: Wide = False,
) -> None:
    """SEV-3 : SEV-1 ratio and weighted load per team, against the window before."""
    params = _params(since, until, include_drills=include_drills or None)
    with _api() as api:
        body = api.get(f"{INSIGHTS}/load", params=params)

    def show() -> None:
        rows = []
        for team in [*body["teams"], body["overall"]]:
            now, before = team["current"], team["previous"]
            ratio = "-" if now["ratio"] is None else f"{now['ratio']:.1f}"
            rows.append(
                [
                    team["team"],
                    now["incidents"],
                    now["by_severity"].get("SEV1", 0),
                    now["by_severity"].get("SEV3", 0),
                    ratio,
                    f"{now['weighted']:g}",
                    f"{before['weighted']:g}",
                    team["direction"],
                ]
            )
        table(
            f"Incident load, {_window(body)}",
            [
                Column("TEAM", whole=True),
                Column("N", whole=True),
                Column("SEV1", whole=True),
                Column("SEV3", whole=True),
                Column("3:1", whole=True),
                Column("LOAD", whole=True),
                Column("BEFORE", whole=True, priority=1),
                Column("DIRECTION", whole=True),
            ],
            rows,
            wide,
        )
        _say(body["overall"]["verdict"])

    _emit(body, as_json, show)


@app.command("noise")
def noise(
    since: Since = None,
    until: Until = None,
    as_json: AsJson = False,
    wide: Wide = False,
) -> None:
    """Alerts that fired without leading to acknowledged work, with tuning hints."""
    with _api() as api:
        body = api.get(f"{INSIGHTS}/noise", params=_params(since, until))

    def show() -> None:
        rows = [
            [
                a["name"],
                a["integration"],
                a["team"],
                a["fires"],
                a["never_acknowledged"],
                a["auto_resolved"],
                a["flapping"],
                ", ".join(h["kind"] for h in a["hints"]) or "-",
            ]
            for a in body["alerts"]
        ]
        table(
            f"Alert noise, {_window(body)}",
            [
                Column("ALERT"),
                Column("INTEGRATION", priority=2),
                Column("TEAM", priority=1),
                Column("FIRES", whole=True),
                Column("NO ACK", whole=True),
                Column("AUTO", whole=True),
                Column("FLAP", whole=True, priority=3),
                Column("HINTS"),
            ],
            rows,
            wide,
        )
        for a in body["alerts"]:
            for hint in a["hints"]:
                _say(f"{a['name']}: {hint['advice']} ({hint['evidence']})")

    _emit(body, as_json, show)


@app.command("detection")
def detection(
    since: Since = None,
    until: Until = None,
    include_drills: Drills = False,
    as_json: AsJson = False,
    wide: Wide = False,
) -> None:
    """What found the incidents, and the median time to detect by source."""
    params = _params(since, until, include_drills=include_drills or None)
    with _api() as api:
        body = api.get(f"{INSIGHTS}/detection", params=params)

    def show() -> None:
        rows = [
            [s["source"], s["incidents"], _share(s["share"]), _minutes(s["median_ttd"])]
            for s in body["sources"]
        ]
        table(
            f"Detection, {_window(body)}",
            [
                Column("SOURCE", whole=True),
                Column("N", whole=True),
                Column("SHARE", whole=True),
                Column("MEDIAN TTD MIN", whole=True),
            ],
            rows,
            wide,
        )
        note(
            f"{body['found_by_humans']} of {body['incidents']} incidents "
            f"({_share(body['human_share'])}) were found by people or customers, not a signal."
        )

    _emit(body, as_json, show)


@app.command("oncall")
def oncall(
    since: Since = None,
    until: Until = None,
    include_drills: Drills = False,
    as_json: AsJson = False,
    wide: Wide = False,
) -> None:
    """Pages per person per week, out of hours and at night."""
    params = _params(since, until, include_drills=include_drills or None)
    with _api() as api:
        body = api.get(f"{INSIGHTS}/oncall", params=params)

    def show() -> None:
        rows = [
            [
                p["username"],
                p["pages"],
                f"{p['pages_per_week']:g}",
                p["out_of_hours"],
                p["night"],
                p["nights"],
            ]
            for p in body["people"]
        ]
        table(
            f"On-call health, {_window(body)}",
            [
                Column("PERSON", whole=True),
                Column("PAGES", whole=True),
                Column("PER WEEK", whole=True),
                Column("OUT OF HOURS", whole=True, priority=1),
                Column("NIGHT", whole=True),
                Column("NIGHTS", whole=True, priority=2),
            ],
            rows,
            wide,
        )

    _emit(body, as_json, show)


@app.command("actions")
def actions(
    since: Since = None, until: Until = None, as_json: AsJson = False, wide: Wide = False
) -> None:
    """Action items created in the window, per team: done, open, overdue, completion rate;
    then the overdue items."""
    with _api() as api:
        body = api.get(f"{INSIGHTS}/actions", params=_params(since, until))

    def show() -> None:
        columns = [
            Column("TEAM", whole=True),
            Column("CREATED", whole=True),
            Column("DONE", whole=True),
            Column("OPEN", whole=True),
            Column("OVERDUE", whole=True),
            Column("CANCELLED", whole=True, priority=1),
            Column("COMPLETION", whole=True),
        ]
        rows = [
            [
                t["team"],
                t["created"],
                t["done"],
                t["open"],
                t["overdue"],
                t["cancelled"],
                _share(t["completion_rate"]),
            ]
            for t in [*body["teams"], body["overall"]]
        ]
        table(f"Action items, {_window(body)}", columns, rows, wide)
        late = body["overall"]["overdue_items"]
        if late:
            table(
                "Overdue action items",
                [
                    Column("ID", whole=True),
                    Column("INCIDENT", whole=True),
                    Column("DUE", whole=True),
                    Column("LATE", whole=True),
                    Column("OWNER", whole=True, priority=1),
                    Column("TITLE"),
                ],
                [
                    [i["id"], i["incident"], i["due_on"], f"{i['days_late']}d", i["owner"] or "-",
                     i["title"]]
                    for i in late
                ],
                wide,
            )  # fmt: skip

    _emit(body, as_json, show)


@app.command("factors")
def factors(
    since: Annotated[
        str | None, typer.Option("--since", help="Window start, ISO 8601; default 90 days ago.")
    ] = None,
    until: Until = None,
    minimum: Annotated[
        int, typer.Option("--min", min=2, max=100, help="In at least this many incidents.")
    ] = 2,
    as_json: AsJson = False,
    wide: Wide = False,
) -> None:
    """Contributing factors (category, service, tags) that recur across incidents, with
    their incidents and how many of the action items addressing them are done."""
    with _api() as api:
        body = api.get(
            "/api/v1/postmortems/recurring-factors", params=_params(since, until, minimum=minimum)
        )

    def show() -> None:
        if not body:
            _say("No contributing factor recurs in the window.")
            return
        columns = [
            Column("CATEGORY", whole=True),
            Column("SERVICE", whole=True),
            Column("TAGS", priority=1),
            Column("INCIDENTS"),
            Column("ITEMS DONE", whole=True),
            Column("ITEMS OPEN", whole=True),
        ]
        rows = [
            [
                f["category"],
                f["service"] or "-",
                ", ".join(f["tags"]) or "-",
                ", ".join(f["incidents"]),
                f["action_items_done"],
                f["action_items_open"],
            ]
            for f in body
        ]
        table("Recurring contributing factors", columns, rows, wide)

    _emit(body, as_json, show)
