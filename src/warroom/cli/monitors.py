"""``warroom monitors list|show|test``: the configured monitors over the REST API.

``test MONITOR --from --to`` backtests: it replays the monitor's query over that window and
says when its detector would have raised. Times are ISO 8601 (local time without an offset).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

import typer

from warroom.cli.output import Column, JsonOption, WideOption, details, note, table
from warroom.cli.remote import api as _api
from warroom.cli.remote import emit as _emit
from warroom.cli.remote import instant as _instant

app = typer.Typer(help="Monitors: anomaly detection on metric queries.", no_args_is_help=True)
MONITORS = "/api/v1/monitors"
AsJson = Annotated[bool, JsonOption]
Wide = Annotated[bool, WideOption]


def _seconds(value: str, option: str) -> float:
    return datetime.fromisoformat(_instant(value, option)).timestamp()


def _when(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


@app.command("list")
def list_monitors(as_json: AsJson = False, wide: Wide = False) -> None:
    """Every configured monitor: source, step, sensitivity and what it watches now."""
    with _api() as api:
        body = api.get(MONITORS)

    def show() -> None:
        table(
            "Monitors",
            [
                Column("NAME", whole=True),
                Column("SOURCE", whole=True),
                Column("STEP", whole=True),
                Column("SENSITIVITY", whole=True),
                Column("SERIES", whole=True),
                Column("ANOMALOUS", whole=True),
                Column("QUERY", priority=1),
            ],
            [
                [
                    m["name"],
                    m["source"],
                    f"{m['step_seconds']:g}s",
                    f"{m['sensitivity']:.2f}",
                    m["series"],
                    m["anomalous"],
                    m["query"],
                ]
                for m in body["items"]
            ],
            wide,
        )

    _emit(body, as_json, show)


@app.command("show")
def show_monitor(name: str, as_json: AsJson = False) -> None:
    """One monitor and the series it watches."""
    with _api() as api:
        body = api.get(f"{MONITORS}/{quote(name, safe='')}")

    def show() -> None:
        details(
            f"Monitor {body['name']}",
            [
                ("Kind", body["kind"]),
                ("Source", body["source"]),
                ("Query", body["query"]),
                ("Step", f"{body['step_seconds']:g}s"),
                ("Owner", body["team"] or body["service"]),
                ("Severity", body["severity"]),
                ("Working hours only", "yes" if body["working_hours_only"] else "no"),
                ("Sensitivity", f"{body['sensitivity']:.2f} (configured "
                 f"{body['configured_sensitivity']:.2f}, {body['not_useful']} not useful)"),
            ],
        )  # fmt: skip
        for state in body["states"]:
            labels = ", ".join(f'{k}="{v}"' for k, v in sorted(state["labels"].items()))
            flag = "ANOMALOUS" if state["anomalous"] else "normal"
            note(f"  {flag:9}  {labels}  (last step {_when(state['last_at'])})")

    _emit(body, as_json, show)


@app.command("test")
def test_monitor(
    name: str,
    start: Annotated[str | None, typer.Option("--from", help="Window start, ISO 8601.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Window end, ISO 8601.")] = None,
    as_json: AsJson = False,
) -> None:
    """Backtest: what MONITOR would have raised between --from and --to, and when."""
    params: dict[str, Any] = {}
    if start is not None:
        params["from"] = _seconds(start, "--from")
    if end is not None:
        params["to"] = _seconds(end, "--to")
    with _api() as api:
        body = api.get(f"{MONITORS}/{quote(name, safe='')}/test", params=params)

    def show() -> None:
        note(f"Backtest of {body['monitor']}, {_when(body['from'])} to {_when(body['to'])}")
        fired = 0
        for series in body["series"]:
            labels = ", ".join(f'{k}="{v}"' for k, v in sorted(series["labels"].items()))
            for firing in series["firings"]:
                fired += 1
                note(
                    f"  {_when(firing['at'])}  {labels}: observed {firing['observed']:.4g}, "
                    f"expected {firing['expected_low']:.4g} to {firing['expected_high']:.4g}"
                )
        note(f"{fired} detection(s) over {len(body['series'])} series.")

    _emit(body, as_json, show)
