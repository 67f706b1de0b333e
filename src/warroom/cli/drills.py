"""``warroom drills list|run|runs|scorecard``: game days over the REST API.

Like ``warroom incident``, the server is ``WARROOM_URL`` and the caller owns ``WARROOM_TOKEN``;
``--json`` prints the API's answer as is. Times are shown in seconds.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from warroom.cli.output import Column, JsonOption, WideOption, table
from warroom.cli.remote import api as _api
from warroom.cli.remote import emit as _emit
from warroom.cli.remote import say as _say

app = typer.Typer(
    help="Game days: drill scenarios, runs through the real intake, the team scorecard.",
    no_args_is_help=True,
)
DRILLS = "/api/v1/drills"
MEASURES = ("detect", "acknowledge", "first_update")

AsJson = Annotated[bool, JsonOption]
Wide = Annotated[bool, WideOption]
Team = Annotated[str | None, typer.Option("--team", help="Only this team (slug).")]


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def _verdict(passed: bool | None) -> str:
    return {True: "pass", False: "FAIL", None: "-"}[passed]


def _measure(measure: dict[str, Any]) -> str:
    if measure["seconds"] is None and measure["passed"] is None:
        return "-"
    target = _seconds(measure["target_seconds"])
    return f"{_seconds(measure['seconds'])}/{target} {_verdict(measure['passed'])}"


@app.command("list")
def list_scenarios(as_json: AsJson = False, wide: Wide = False) -> None:
    """The configured scenarios with their targets (seconds)."""
    with _api() as api:
        body = api.get(DRILLS)

    def show() -> None:
        columns = [
            Column("NAME", whole=True),
            Column("TEAM", whole=True),
            Column("KIND", whole=True),
            Column("EXPECT", whole=True),
            Column("TTD", whole=True, priority=1),
            Column("TTA", whole=True, priority=1),
            Column("UPDATE", whole=True, priority=1),
            Column("SCHEDULE", priority=2),
        ]
        rows = [
            [
                s["name"],
                s["team"],
                s["kind"],
                s["expect_severity"],
                _seconds(s["targets"]["detect_seconds"]),
                _seconds(s["targets"]["acknowledge_seconds"]),
                _seconds(s["targets"]["first_update_seconds"]),
                f"{s['schedule']['day']} {s['schedule']['at']} {s['schedule']['timezone']}"
                if s["schedule"]
                else "ad hoc",
            ]
            for s in body
        ]
        table("Drill scenarios (targets in seconds)", columns, rows, wide)

    _emit(body, as_json, show)


@app.command("run")
def run(
    name: Annotated[str, typer.Argument(help="The scenario's name.")],
    as_json: AsJson = False,
) -> None:
    """Inject the scenario through intake now. Its pages go out, marked DRILL."""
    with _api() as api:
        body = api.post(f"{DRILLS}/{name}/run")

    def show() -> None:
        if body["status"] == "failed":
            _say(f"Drill run {body['id']} of {name} was refused: {body['detail']}")
        else:
            _say(
                f"Drill run {body['id']} of {name} injected for team {body['team']} "
                f"(mark {body['token']}); it is scored when its incident resolves."
            )

    _emit(body, as_json, show)


def _runs_table(title: str, runs: list[dict[str, Any]], wide: bool) -> None:
    columns = [
        Column("ID", whole=True),
        Column("SCENARIO", whole=True),
        Column("TEAM", whole=True, priority=2),
        Column("INJECTED", whole=True, priority=1),
        Column("STATUS", whole=True),
        Column("INCIDENT", whole=True),
        Column("TTD", whole=True),
        Column("TTA", whole=True),
        Column("UPDATE", whole=True),
        Column("RESULT", whole=True),
    ]
    rows = [
        [
            r["id"],
            r["scenario"],
            r["team"],
            r["injected_at"][:16],
            r["status"],
            r["incident"] or "-",
            *(_measure(r[m]) for m in MEASURES),
            _verdict(r["passed"]),
        ]
        for r in runs
    ]
    table(title, columns, rows, wide)


@app.command("runs")
def runs(
    team: Team = None,
    scenario: Annotated[str | None, typer.Option("--scenario", help="Only this one.")] = None,
    as_json: AsJson = False,
    wide: Wide = False,
) -> None:
    """Recent runs, newest first: each measure as seconds/target and pass or FAIL."""
    params = {k: v for k, v in {"team": team, "scenario": scenario}.items() if v is not None}
    with _api() as api:
        body = api.get(f"{DRILLS}/runs", params=params)
    _emit(body, as_json, lambda: _runs_table("Drill runs", body, wide))


@app.command("scorecard")
def scorecard(team: Team = None, as_json: AsJson = False, wide: Wide = False) -> None:
    """Each team's scored runs by week: passed, and the median of each measure (seconds)
    with how many runs met its target."""
    params = {"team": team} if team is not None else {}
    with _api() as api:
        body = api.get(f"{DRILLS}/scorecard", params=params)

    def show() -> None:
        columns = [
            Column("TEAM", whole=True),
            Column("WEEK OF", whole=True),
            Column("RUNS", whole=True),
            Column("PASSED", whole=True),
            Column("TTD MED", whole=True),
            Column("TTA MED", whole=True),
            Column("UPDATE MED", whole=True),
        ]
        rows = []
        for card in body["teams"]:
            for week in card["weeks"]:
                rows.append(
                    [
                        card["team"],
                        week["week_of"],
                        week["runs"],
                        week["passed"],
                        *(
                            f"{_seconds(week[m]['median_seconds'])} ({week[m]['met']} met)"
                            for m in MEASURES
                        ),
                    ]
                )
        if not rows:
            _say("No scored drill runs yet.")
            return
        table("Drill scorecard (seconds)", columns, rows, wide)

    _emit(body, as_json, show)
