"""``warroom slos list|show``: error budget remaining and burn rates over the REST API.

The server is ``WARROOM_URL`` and the caller owns ``WARROOM_TOKEN``; ``--json`` prints the
API's answer as is.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from warroom.cli.output import Column, JsonOption, WideOption, note, table
from warroom.cli.remote import api as _api
from warroom.cli.remote import emit as _emit

app = typer.Typer(help="SLOs: error budget remaining and burn-rate alerts.", no_args_is_help=True)
SLOS = "/api/v1/slos"
AsJson = Annotated[bool, JsonOption]
Wide = Annotated[bool, WideOption]


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


@app.command("list")
def list_slos(as_json: AsJson = False, wide: Wide = False) -> None:
    """Every SLO: target, window, error budget remaining, 1h burn rate, alerts firing."""
    with _api() as api:
        body = api.get(SLOS)

    def show() -> None:
        rows = [
            [
                slo["name"],
                slo["service"],
                slo["team"] or "-",
                f"{slo['target'] * 100:g}%",
                slo["window"],
                _percent(slo["budget_remaining"]),
                _rate(slo["rules"][0]["long_burn"] if slo["rules"] else None),
                ", ".join(slo["firing"]) or (slo["unavailable"] and "not evaluated") or "-",
            ]
            for slo in body
        ]
        columns = [
            Column("SLO", whole=True),
            Column("SERVICE", priority=2),
            Column("TEAM", priority=3),
            Column("TARGET", whole=True),
            Column("WINDOW", priority=1),
            Column("BUDGET LEFT", whole=True),
            Column("BURN 1H", whole=True),
            Column("FIRING"),
        ]
        table("SLOs", columns, rows, wide)

    _emit(body, as_json, show)


@app.command("show")
def show_slo(
    name: Annotated[str, typer.Argument(help="SLO name.")],
    days: Annotated[
        int | None, typer.Option("--days", help="Span of the budget series; default the window.")
    ] = None,
    as_json: AsJson = False,
    wide: Wide = False,
) -> None:
    """One SLO: each burn-rate rule with both windows' burn, and the budget over time."""
    params: dict[str, Any] = {"points": 12}
    if days is not None:
        params["days"] = days
    with _api() as api:
        body = api.get(f"{SLOS}/{name}", params=params)

    def show() -> None:
        note(
            f"{body['name']} ({body['service']}): target {body['target'] * 100:g}% over "
            f"{body['window']}, error budget left {_percent(body['budget_remaining'])}"
        )
        if body["unavailable"]:
            note(f"Not evaluated: {body['unavailable']}")
            return
        rows = [
            [
                rule["urgency"],
                rule["windows"],
                f"{rule['factor']:g}",
                _rate(rule["long_burn"]),
                _rate(rule["short_burn"]),
                "FIRING" if rule["firing"] else "ok",
            ]
            for rule in body["rules"]
        ]
        columns = [
            Column("URGENCY", whole=True),
            Column("WINDOWS", whole=True),
            Column("FACTOR", whole=True),
            Column("LONG BURN", whole=True),
            Column("SHORT BURN", whole=True),
            Column("STATE", whole=True),
        ]
        table("Burn-rate rules", columns, rows, wide)
        series = [
            [point["at"][:16], _percent(point["budget_remaining"]), _rate(point["burn_1h"])]
            for point in body["series"]
        ]
        table(
            "Error budget over time",
            [Column("AT", whole=True), Column("BUDGET LEFT", whole=True), Column("BURN 1H")],
            series,
            wide,
        )

    _emit(body, as_json, show)
