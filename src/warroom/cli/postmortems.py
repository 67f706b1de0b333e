"""``warroom postmortems list|show|publish|export``: postmortems over the REST API.

Like ``warroom incident``, the server is ``WARROOM_URL`` and the caller owns ``WARROOM_TOKEN``;
``--json`` prints the API's answer as is. ``export`` writes the server's Markdown or PDF.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from warroom.cli.client import incident_path
from warroom.cli.output import Column, JsonOption, WideOption, table, when
from warroom.cli.remote import api as _api
from warroom.cli.remote import emit as _emit
from warroom.cli.remote import say as _say

app = typer.Typer(
    help="Postmortems: list them, read one, publish it, export it as Markdown or PDF.",
    no_args_is_help=True,
)
POSTMORTEMS = "/api/v1/postmortems"

RefArg = Annotated[str, typer.Argument(metavar="INCIDENT", help="Incident: INC-12 or 12.")]
AsJson = Annotated[bool, JsonOption]
Wide = Annotated[bool, WideOption]


class ExportFormat(StrEnum):
    MD = "md"
    PDF = "pdf"


def _person(person: dict[str, Any] | None) -> str:
    return "-" if person is None else str(person.get("username", "-"))


@app.command("list")
def list_postmortems(
    status: Annotated[str | None, typer.Option("--status", help="draft or published.")] = None,
    team: Annotated[str | None, typer.Option("--team", help="Only this team (slug).")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=500)] = 50,
    as_json: AsJson = False,
    wide: Wide = False,
) -> None:
    """Postmortems, the most recently changed first; overdue drafts are marked."""
    params: dict[str, Any] = {"limit": limit}
    params.update({k: v for k, v in {"status": status, "team": team}.items() if v is not None})
    with _api() as api:
        body = api.get(POSTMORTEMS, params=params)

    def show() -> None:
        if not body:
            _say("No postmortems.")
            return
        columns = [
            Column("INCIDENT", whole=True),
            Column("STATUS", whole=True),
            Column("SEV", whole=True),
            Column("TEAM", whole=True, priority=1),
            Column("DUE", whole=True, priority=2),
            Column("TITLE"),
        ]
        rows = [
            [
                p["incident"],
                f"{p['status']} OVERDUE" if p["overdue"] else p["status"],
                p["severity"],
                p["team"],
                when(p["due_at"]),
                p["title"],
            ]
            for p in body
        ]
        table("Postmortems", columns, rows, wide)

    _emit(body, as_json, show)


@app.command("show")
def show_postmortem(ref: RefArg, as_json: AsJson = False) -> None:
    """One postmortem: status, reviewer, due date, factors and blameless-language advice."""
    with _api() as api:
        body = api.get(incident_path(ref, "postmortem"))

    def show() -> None:
        _say(f"{body['incident']}: {body['title']}")
        _say(
            f"status {body['status']}, revision {body['revision']}, "
            f"{'required' if body['required'] else 'optional'}, "
            f"reviewer {_person(body['reviewer'])}, due {when(body['due_at'])}"
        )
        if body["published_at"]:
            _say(f"published {when(body['published_at'])}")
        if body["waived_at"]:
            _say(f"waived {when(body['waived_at'])}: {body['waived_reason']}")
        for factor in body["factors"]:
            _say(f"factor {factor['id']} [{factor['category']}] {factor['description']}")
        for warning in body["warnings"]:
            _say(f"advice: {warning['message']}")

    _emit(body, as_json, show)


@app.command("publish")
def publish(ref: RefArg, as_json: AsJson = False) -> None:
    """Publish the postmortem of a resolved incident (a required one then lets it close)."""
    with _api() as api:
        body = api.post(incident_path(ref, "postmortem", "publish"))
    _emit(body, as_json, lambda: _say(f"{body['incident']} postmortem published"))


@app.command("export")
def export(
    ref: RefArg,
    fmt: Annotated[ExportFormat, typer.Option("--format", help="md or pdf.")] = ExportFormat.MD,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to this file; default: standard output."),
    ] = None,
) -> None:
    """The postmortem as Markdown or PDF, rendered by the server."""
    path = incident_path(ref, "postmortem")
    with _api() as api:
        data = api.download(f"{path}.{fmt.value}")
    if output is not None:
        output.write_bytes(data)
        _say(f"wrote {output} ({len(data)} bytes)")
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
