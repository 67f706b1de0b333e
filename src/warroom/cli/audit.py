"""``warroom audit list``: who changed what, when and from where (admins, over the REST API)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from warroom.auth.audit_models import AuditAction
from warroom.cli.client import normalise_ref
from warroom.cli.output import Column, JsonOption, WideOption, table, when
from warroom.cli.remote import api as _api
from warroom.cli.remote import emit as _emit
from warroom.cli.remote import instant as _instant
from warroom.cli.remote import say as _say

app = typer.Typer(
    help="The audit log: every change people made, append-only (needs an admin token).",
    no_args_is_help=True,
)
AUDIT = "/api/v1/audit"
COLUMNS = (
    Column("id", whole=True),
    Column("when (UTC)", whole=True),
    Column("who", whole=True),
    Column("via", priority=1, whole=True),
    Column("from", priority=2, whole=True),
    Column("what", min_width=50),
)


def _who(entry: dict[str, Any]) -> str:
    return str(entry["actor"]) if entry["actor"] else f"({entry['actor_via']})"


def _show(page: dict[str, Any], wide: bool) -> None:
    if not page["items"]:
        _say("no audit entries")
        return
    rows = [
        [e["id"], when(e["at"])[:16], _who(e), e["actor_via"], e["address"] or "—", e["summary"]]
        for e in page["items"]
    ]
    table("Audit log", COLUMNS, rows, wide)
    if page["next_cursor"]:
        _say(f"older entries: --cursor {page['next_cursor']}")


@app.command("list")
def list_audit(
    actor: Annotated[str | None, typer.Option("--actor", help="Only this username's.")] = None,
    object_type: Annotated[
        str | None, typer.Option("--type", help="incident, silence, user, api_token, …")
    ] = None,
    object_id: Annotated[
        str | None, typer.Option("--id", help="With --type: INC-12, a username, an id.")
    ] = None,
    action: Annotated[AuditAction | None, typer.Option("--action")] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="ISO 8601; at or after (local time if bare).")
    ] = None,
    until: Annotated[str | None, typer.Option("--until", help="ISO 8601; before.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=500)] = 50,
    cursor: Annotated[
        str | None, typer.Option("--cursor", help="Older entries: the cursor a list printed.")
    ] = None,
    as_json: Annotated[bool, JsonOption] = False,
    wide: Annotated[bool, WideOption] = False,
) -> None:
    """List audit entries, newest first."""
    params: dict[str, Any] = {"limit": limit}
    if actor is not None:
        params["actor"] = actor
    if object_type is not None:
        params["object_type"] = object_type
    if object_id is not None:
        params["object_id"] = normalise_ref(object_id) if object_type == "incident" else object_id
    if action is not None:
        params["action"] = action.value
    if since is not None:
        params["since"] = _instant(since, "--since")
    if until is not None:
        params["until"] = _instant(until, "--until")
    if cursor is not None:
        params["cursor"] = cursor
    with _api() as api:
        page = api.get(AUDIT, params=params)
        _emit(page, as_json, lambda: _show(page, wide))
