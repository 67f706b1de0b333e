"""``warroom actions list|add|done|reopen``: postmortem action items over the REST API.

Like ``warroom incident``, the server is ``WARROOM_URL`` and the caller owns ``WARROOM_TOKEN``;
``--json`` prints the API's answer as is.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from warroom.cli.client import incident_path
from warroom.cli.output import Column, JsonOption, WideOption, table
from warroom.cli.remote import api as _api
from warroom.cli.remote import emit as _emit
from warroom.cli.remote import say as _say
from warroom.learn.actions.models import ActionKind, ActionPriority, ActionStatus

app = typer.Typer(
    help="Action items: the follow-ups of incidents, with owners, teams and due dates.",
    no_args_is_help=True,
)
ITEMS = "/api/v1/action-items"

ItemArg = Annotated[int, typer.Argument(metavar="ID", help="The action item's id.", min=1)]
AsJson = Annotated[bool, JsonOption]
Wide = Annotated[bool, WideOption]


def _owner(item: dict[str, Any]) -> str:
    return "-" if item["owner"] is None else str(item["owner"]["username"])


def _line(item: dict[str, Any]) -> str:
    late = ", OVERDUE" if item["overdue"] else ""
    return (
        f"action item {item['id']} of {item['incident']}: {item['title']} "
        f"({item['status']}{late}, team {item['team']}, due {item['due_on']})"
    )


@app.command("list")
def list_items(
    team: Annotated[str | None, typer.Option("--team", help="Only this team (slug).")] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="Only this username.")] = None,
    status: Annotated[
        ActionStatus | None, typer.Option("--status", help="open, done or cancelled.")
    ] = None,
    overdue: Annotated[
        bool, typer.Option("--overdue", help="Only open items past their due date.")
    ] = False,
    incident: Annotated[
        str | None, typer.Option("--incident", help="Only this incident's items.")
    ] = None,
    as_json: AsJson = False,
    wide: Wide = False,
) -> None:
    """Action items, filtered; overdue ones are marked."""
    params: dict[str, Any] = {
        k: v
        for k, v in {
            "team": team,
            "owner": owner,
            "status": status.value if status else None,
            "incident": incident,
        }.items()
        if v is not None
    }
    if overdue:
        params["overdue"] = "true"
    with _api() as api:
        body = api.get(ITEMS, params=params)

    def show() -> None:
        if not body:
            _say("No action items.")
            return
        columns = [
            Column("ID", whole=True),
            Column("INCIDENT", whole=True),
            Column("STATUS", whole=True),
            Column("DUE", whole=True),
            Column("TEAM", whole=True, priority=1),
            Column("OWNER", whole=True, priority=1),
            Column("PRIO", whole=True, priority=2),
            Column("KIND", whole=True, priority=2),
            Column("TITLE"),
        ]
        rows = [
            [
                i["id"],
                i["incident"],
                f"{i['status']} OVERDUE" if i["overdue"] else i["status"],
                i["due_on"],
                i["team"],
                _owner(i),
                i["priority"],
                i["kind"],
                i["title"],
            ]
            for i in body
        ]
        table("Action items", columns, rows, wide)

    _emit(body, as_json, show)


@app.command("add")
def add(
    incident: Annotated[str, typer.Argument(metavar="INCIDENT", help="INC-12 or 12.")],
    title: Annotated[str, typer.Argument(help="What is to be done.")],
    team: Annotated[str, typer.Option("--team", help="The team that owns it (slug).")],
    due: Annotated[str, typer.Option("--due", help="Due date, YYYY-MM-DD.")],
    kind: Annotated[
        ActionKind, typer.Option("--kind", help="prevent, detect, mitigate or process.")
    ],
    priority: Annotated[
        ActionPriority, typer.Option("--priority", help="urgent, high, medium or low.")
    ] = ActionPriority.MEDIUM,
    owner: Annotated[str | None, typer.Option("--owner", help="Username.")] = None,
    description: Annotated[str, typer.Option("--description")] = "",
    factor: Annotated[
        int | None, typer.Option("--factor", help="The contributing factor it addresses (id).")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Add an action item to an incident."""
    payload: dict[str, Any] = {
        "title": title,
        "team": team,
        "due_on": due,
        "kind": kind.value,
        "priority": priority.value,
        "description": description,
    }
    if owner is not None:
        payload["owner"] = owner
    if factor is not None:
        payload["factor_id"] = factor
    with _api() as api:
        body = api.post(incident_path(incident, "action-items"), json=payload)
    _emit(body, as_json, lambda: _say(f"added {_line(body)}"))


def _transition(item_id: int, action: str, as_json: bool) -> None:
    with _api() as api:
        body = api.post(f"{ITEMS}/{item_id}/{action}")
    _emit(body, as_json, lambda: _say(_line(body)))


@app.command("done")
def done(item_id: ItemArg, as_json: AsJson = False) -> None:
    """Mark an action item done."""
    _transition(item_id, "complete", as_json)


@app.command("reopen")
def reopen(item_id: ItemArg, as_json: AsJson = False) -> None:
    """Reopen a done or cancelled action item."""
    _transition(item_id, "reopen", as_json)
