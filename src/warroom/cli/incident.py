"""``warroom incident …``: run incidents against a warroom server over its REST API.

The server is ``WARROOM_URL`` (default http://127.0.0.1:8000) and the caller is whoever
owns ``WARROOM_TOKEN``. Every command takes ``--json`` to print the API's answer as is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer
from rich.table import Table

from warroom.cli.client import (
    USAGE_EXIT_CODE,
    incident_path,
    normalise_ref,
)
from warroom.cli.output import (
    Column,
    JsonOption,
    WideOption,
    console,
    details,
    duration,
    print_json,
    table,
    when,
)
from warroom.cli.output import fail as _fail
from warroom.cli.remote import api as _api
from warroom.cli.remote import emit as _emit
from warroom.cli.remote import instant as _instant
from warroom.cli.remote import say as _say
from warroom.incidents.enums import IncidentRole, IncidentStatus, TimestampField

app = typer.Typer(
    help="Run incidents over the API (WARROOM_URL, WARROOM_TOKEN).", no_args_is_help=True
)

INCIDENTS = "/api/v1/incidents"
DURATIONS = (
    ("time_to_detect", "time to detect"),
    ("time_to_acknowledge", "time to acknowledge"),
    ("time_to_mitigate", "time to mitigate"),
    ("time_to_resolve", "time to resolve"),
)
TIMESTAMPS = (
    ("impact_started_at", "impact started"),
    ("detected_at", "detected"),
    ("acknowledged_at", "acknowledged"),
    ("mitigated_at", "mitigated"),
    ("resolved_at", "resolved"),
    ("closed_at", "closed"),
)
TIMESTAMP_ALIASES = {"impact_start_at": "impact_started_at", "ack_at": "acknowledged_at"}

RefArg = Annotated[str, typer.Argument(metavar="REF", help="Incident: INC-12 or 12.")]
ReasonOption = Annotated[
    str | None, typer.Option("--reason", help="Why; recorded on the timeline.")
]
AsJson = Annotated[bool, JsonOption]
Wide = Annotated[bool, WideOption]
INCIDENT_COLUMNS = (
    Column("ref", whole=True),
    Column("sev", whole=True),
    Column("status", whole=True),
    Column("team", priority=1, whole=True),
    Column("title", min_width=30),
    Column("services", priority=3),
    Column("lead", priority=2, whole=True),
    Column("detected", priority=2, whole=True),
    Column("update due", priority=3, whole=True),
)
TIMELINE_COLUMNS = (
    Column("id", whole=True),
    Column("time", whole=True),
    Column("kind", whole=True),
    Column("actor", priority=2, whole=True),
    Column("text", min_width=30),
    Column("pinned", priority=1, whole=True),
)
UPDATE_COLUMNS = (
    Column("id", whole=True),
    Column("time", whole=True),
    Column("audience", priority=2, whole=True),
    Column("status", priority=1, whole=True),
    Column("author", priority=3, whole=True),
    Column("text", min_width=30),
)
RUN_COLUMNS = (
    Column("id", whole=True),
    Column("policy", priority=1, whole=True),
    Column("state", whole=True),
    Column("step", priority=1, whole=True),
    Column("round", priority=2, whole=True),
    Column("next step at", priority=2, whole=True),
    Column("reason", min_width=20),
)
PAGE_COLUMNS = (
    Column("id", whole=True),
    Column("run", priority=3, whole=True),
    Column("who", whole=True),
    Column("paged at", priority=1, whole=True),
    Column("step", priority=2, whole=True),
    Column("round", priority=3, whole=True),
    Column("why", priority=2, min_width=20),
    Column("status", whole=True),
    Column("deliveries", priority=1, min_width=16),
)


# --- plumbing ---------------------------------------------------------------------------


def _person(value: Any) -> str:
    return str(value["username"]) if isinstance(value, dict) else "—"


def _short(value: str | None) -> str:
    """``03-02 09:15`` (month-day, UTC) for tables of many incidents."""
    return when(value)[5:16] if value else "—"


def _due(incident: dict[str, Any], moment: Callable[[str | None], str] = when) -> str:
    due = incident.get("next_update_due_at")
    if due is None:
        return "—"
    return f"{moment(due)} (overdue)" if incident.get("update_overdue") else moment(due)


def _durations(durations: dict[str, Any]) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    for key, label in DURATIONS:
        grid.add_row(label, duration(durations.get(key)))
    return grid


# --- rendering ----------------------------------------------------------------------------


def _show_incident(incident: dict[str, Any]) -> None:
    rows: list[tuple[str, object]] = []

    def row(label: str, value: object) -> None:
        rows.append((label, value))

    row("status", incident["status"])
    row("severity", incident["severity"])
    row("team", incident["team"])
    row("services", ", ".join(incident["services"]))
    row("summary", incident["summary"])
    for role, holder in incident["roles"].items():
        row(role, _person(holder) if holder else None)
    row("participants", ", ".join(_person(p["user"]) for p in incident["participants"]))
    declared_by = incident.get("declared_by")
    row("declared", when(incident["declared_at"]) + (f" by {declared_by}" if declared_by else ""))
    for key, label in TIMESTAMPS:
        row(label, when(incident[key]))
    for key, label in DURATIONS:
        row(label, duration(incident["durations"][key]))
    row("last update", when(incident["last_update_at"]))
    row("next update due", _due(incident))
    row("affected users", incident["affected_users"])
    row("affected customers", incident["affected_customers"])
    row("affected features", ", ".join(incident["affected_features"]))
    row("affected regions", ", ".join(incident["affected_regions"]))
    row("revenue impact", "yes" if incident["revenue_impact"] else "no")
    details(f"{incident['ref']} · {incident['title']}", rows)
    if incident.get("update_overdue"):
        due = when(incident["next_update_due_at"])
        _say(f"{incident['ref']}: a status update is overdue (it was due {due})")


def _list_incidents(page: dict[str, Any], wide: bool) -> None:
    items = page["items"]
    if not items:
        _say("no incidents match")
        return
    table(
        "Incidents",
        INCIDENT_COLUMNS,
        [
            [
                i["ref"],
                i["severity"],
                i["status"],
                i["team"],
                i["title"],
                ", ".join(i["services"]),
                _person(i["roles"].get("lead")),
                _short(i["detected_at"]),
                _due(i, _short),
            ]
            for i in items
        ],
        wide,
    )
    first, last, total = page["offset"] + 1, page["offset"] + len(items), page["total"]
    shown = (
        f"{total} incident{'' if total == 1 else 's'}"
        if (first, last) == (1, total)
        else (f"incidents {first} to {last} of {total}")
    )
    more = f"; more with --offset {page['next_offset']}" if page.get("next_offset") else ""
    _say(shown + more)


def _show_timeline(data: dict[str, Any], wide: bool) -> None:
    entries = data["entries"]
    table(
        f"{data['incident']} timeline",
        TIMELINE_COLUMNS,
        [
            [
                e["id"],
                when(e["at"]),
                str(e["kind"]).replace("_", " "),
                e["actor"] or "—",
                e["text"],
                "yes" if e["pinned"] else "",
            ]
            for e in entries
        ],
        wide,
    )
    console.print(_durations(data["durations"]))


def _show_updates(ref: str, updates: list[dict[str, Any]], wide: bool) -> None:
    if not updates:
        _say(f"{ref}: no status updates yet")
        return
    table(
        f"{ref} status updates",
        UPDATE_COLUMNS,
        [
            [u["id"], when(u["at"]), u["audience"], u["status"], u["author"] or "—", u["text"]]
            for u in updates
        ],
        wide,
    )


# --- reading --------------------------------------------------------------------------


def list_incidents(
    status: Annotated[
        list[IncidentStatus] | None,
        typer.Option("--status", help="Only these statuses (repeatable)."),
    ] = None,
    severity: Annotated[
        list[str] | None, typer.Option("--severity", help="Only these severities (repeatable).")
    ] = None,
    team: Annotated[str | None, typer.Option("--team", help="Owning team slug.")] = None,
    service: Annotated[str | None, typer.Option("--service", help="Affected service.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=200)] = 50,
    offset: Annotated[int, typer.Option("--offset", min=0)] = 0,
    as_json: AsJson = False,
    wide: Wide = False,
) -> None:
    """List incidents, newest first."""
    given = {
        "status": [s.value for s in status or []],
        "severity": severity,
        "team": team,
        "service": service,
        "limit": limit,
        "offset": offset,
    }
    params = {key: value for key, value in given.items() if value not in (None, [])}
    with _api() as api:
        page = api.get(INCIDENTS, params=params)
        _emit(page, as_json, lambda: _list_incidents(page, wide))


def show(ref: RefArg, as_json: AsJson = False) -> None:
    """Show one incident: status, roles, timestamps, durations and update cadence."""
    with _api() as api:
        incident = api.get(incident_path(ref))
        _emit(incident, as_json, lambda: _show_incident(incident))


def show_timeline(
    ref: RefArg,
    pinned: Annotated[bool, typer.Option("--pinned", help="Only pinned entries.")] = False,
    as_json: AsJson = False,
    wide: Wide = False,
) -> None:
    """Every timeline entry (time, kind, actor, text), then the durations."""
    with _api() as api:
        params = {"pinned": "true"} if pinned else None
        data = api.get(incident_path(ref, "timeline"), params=params)
        _emit(data, as_json, lambda: _show_timeline(data, wide))


def list_updates(ref: RefArg, as_json: AsJson = False, wide: Wide = False) -> None:
    """The status updates posted for an incident."""
    with _api() as api:
        data = api.get(incident_path(ref, "updates"))
        _emit(data, as_json, lambda: _show_updates(normalise_ref(ref), data, wide))


# --- declaring and editing ------------------------------------------------------------


def declare(
    title: Annotated[str, typer.Argument(help="What is wrong, in a few words.")],
    severity: Annotated[str, typer.Option("--severity", help="Severity key, e.g. SEV1.")],
    team: Annotated[str, typer.Option("--team", help="Owning team slug.")],
    services: Annotated[
        list[str] | None, typer.Option("--service", help="Affected service slug (repeatable).")
    ] = None,
    summary: Annotated[str, typer.Option("--summary", help="What is known so far.")] = "",
    impact_start: Annotated[
        str | None,
        typer.Option(
            "--impact-start", help="When impact began, ISO 8601 (local time without offset)."
        ),
    ] = None,
    detected: Annotated[
        str | None, typer.Option("--detected", help="When it was detected, ISO 8601; default now.")
    ] = None,
    detected_by: Annotated[
        str,
        typer.Option("--detected-by", help="Who found it: person (default) or customer."),
    ] = "person",
    as_json: AsJson = False,
) -> None:
    """Declare an incident."""
    body: dict[str, Any] = {
        "title": title,
        "severity": severity,
        "team": team,
        "services": services or [],
        "summary": summary,
        "detected_by": detected_by,
    }
    if impact_start is not None:
        body["impact_started_at"] = _instant(impact_start, "--impact-start")
    if detected is not None:
        body["detected_at"] = _instant(detected, "--detected")
    with _api() as api:
        data = api.post(INCIDENTS, json=body)
        _emit(
            data,
            as_json,
            lambda: _say(
                f"{data['ref']} declared: {data['title']} "
                f"({data['severity']}, team {data['team']}, status: {data['status']})"
            ),
        )


def edit(
    ref: RefArg,
    title: Annotated[str | None, typer.Option("--title")] = None,
    summary: Annotated[str | None, typer.Option("--summary")] = None,
    team: Annotated[str | None, typer.Option("--team", help="Hand over to another team.")] = None,
    services: Annotated[
        list[str] | None,
        typer.Option("--service", help="Affected services; replaces the list (repeatable)."),
    ] = None,
    affected_users: Annotated[int | None, typer.Option("--affected-users", min=0)] = None,
    affected_customers: Annotated[int | None, typer.Option("--affected-customers", min=0)] = None,
    features: Annotated[
        list[str] | None,
        typer.Option("--feature", help="Affected feature; replaces the list (repeatable)."),
    ] = None,
    regions: Annotated[
        list[str] | None,
        typer.Option("--region", help="Affected region; replaces the list (repeatable)."),
    ] = None,
    revenue_impact: Annotated[
        bool | None,
        typer.Option("--revenue-impact/--no-revenue-impact", help="Whether revenue is affected."),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Change an incident's title, summary, team, services or impact."""
    given = {
        "title": title,
        "summary": summary,
        "team": team,
        "services": services,
        "affected_users": affected_users,
        "affected_customers": affected_customers,
        "affected_features": features,
        "affected_regions": regions,
        "revenue_impact": revenue_impact,
    }
    body = {key: value for key, value in given.items() if value is not None}
    if not body:
        _fail("nothing to change: give at least one option, see --help", USAGE_EXIT_CODE)
    with _api() as api:
        data = api.patch(incident_path(ref), json=body)
        _emit(data, as_json, lambda: _say(f"{data['ref']} saved ({', '.join(body)})"))


def change_severity(
    ref: RefArg,
    severity: Annotated[str, typer.Argument(help="New severity key, e.g. SEV2.")],
    reason: ReasonOption = None,
    as_json: AsJson = False,
) -> None:
    """Raise or lower the severity."""
    body: dict[str, Any] = {"severity": severity}
    if reason:
        body["reason"] = reason
    with _api() as api:
        data = api.post(incident_path(ref, "severity"), json=body)
        _emit(
            data,
            as_json,
            lambda: _say(
                f"{data['ref']} severity is now {data['severity']} (status: {data['status']})"
            ),
        )


def correct(
    ref: RefArg,
    field: Annotated[
        str,
        typer.Argument(
            help="impact_started_at, detected_at, acknowledged_at, mitigated_at, resolved_at "
            "or closed_at (the _at may be left out)."
        ),
    ],
    value: Annotated[str, typer.Argument(help="The right time, ISO 8601.")],
    reason: Annotated[str, typer.Option("--reason", help="Why it is corrected (required).")],
    as_json: AsJson = False,
) -> None:
    """Correct a lifecycle timestamp; the old value and the reason go on the timeline."""
    key = field.strip().lower().replace("-", "_")
    key = key if key.endswith("_at") else f"{key}_at"
    key = TIMESTAMP_ALIASES.get(key, key)
    known = [f.value for f in TimestampField]
    if key not in known:
        _fail(f"unknown timestamp '{field}' (one of: {', '.join(known)})", USAGE_EXIT_CODE)
    body = {"field": key, "value": _instant(value, "VALUE"), "reason": reason}
    with _api() as api:
        data = api.post(incident_path(ref, "timestamps"), json=body)
        _emit(data, as_json, lambda: _say(f"{data['ref']} {key} corrected to {when(data[key])}"))


# --- lifecycle ----------------------------------------------------------------------------


def _action(name: str, action: str, past: str, summary: str) -> Callable[..., None]:
    def command(ref: RefArg, reason: ReasonOption = None, as_json: AsJson = False) -> None:
        with _api() as api:
            data = api.post(
                incident_path(ref, "actions", action), json={"reason": reason} if reason else None
            )
            _emit(data, as_json, lambda: _say(f"{data['ref']} {past} (status: {data['status']})"))

    command.__doc__ = summary
    command.__name__ = f"incident_{name}"
    return command


# --- people -------------------------------------------------------------------------------

UserOption = Annotated[
    str | None, typer.Option("--user", help="Username; default: you (the owner of WARROOM_TOKEN).")
]
RoleOption = Annotated[IncidentRole, typer.Option("--role", help="lead, fixer or comms.")]


def assign(ref: RefArg, role: RoleOption, user: UserOption = None, as_json: AsJson = False) -> None:
    """Give a role (lead, fixer, comms) to someone, handing it over if it is held."""
    body: dict[str, Any] = {"role": role.value}
    if user:
        body["user"] = user
    with _api() as api:
        data = api.post(incident_path(ref, "roles"), json=body)
        _emit(
            data,
            as_json,
            lambda: _say(
                f"{_person(data['roles'].get(role.value))} is now the {role.value} of {data['ref']}"
            ),
        )


def release(ref: RefArg, role: RoleOption, as_json: AsJson = False) -> None:
    """Release a role so nobody holds it."""
    with _api() as api:
        data = api.delete(incident_path(ref, "roles", role.value))
        _emit(data, as_json, lambda: _say(f"{data['ref']}: {role.value} released"))


def join(ref: RefArg, user: UserOption = None, as_json: AsJson = False) -> None:
    """Add a participant (you, or --user)."""
    with _api() as api:
        data = api.post(incident_path(ref, "participants"), json={"user": user} if user else {})
        if as_json:
            print_json(data)
            return
        name = user or str(api.get("/api/v1/me")["username"])
        _say(f"{name} joined {data['ref']} ({len(data['participants'])} participants)")


# --- timeline and updates ---------------------------------------------------------------


def note(
    ref: RefArg,
    text: Annotated[str, typer.Argument(help="The note.")],
    pin: Annotated[bool, typer.Option("--pin", help="Pin it to the top.")] = False,
    as_json: AsJson = False,
) -> None:
    """Add a note to the timeline."""
    with _api() as api:
        data = api.post(incident_path(ref, "notes"), json={"text": text, "pinned": pin})
        pinned = " and pinned" if data["pinned"] else ""
        _emit(data, as_json, lambda: _say(f"{normalise_ref(ref)}: note {data['id']} added{pinned}"))


def pin(
    ref: RefArg,
    entry_id: Annotated[int, typer.Argument(metavar="ENTRY_ID", help="Timeline entry id.")],
    unpin: Annotated[bool, typer.Option("--unpin", help="Unpin instead.")] = False,
    as_json: AsJson = False,
) -> None:
    """Pin (or --unpin) a timeline entry."""
    with _api() as api:
        data = api.post(
            incident_path(ref, "timeline", str(entry_id), "pin"), json={"pinned": not unpin}
        )
        _emit(
            data,
            as_json,
            lambda: _say(
                f"{normalise_ref(ref)}: entry {data['id']} "
                + ("pinned" if data["pinned"] else "unpinned")
            ),
        )


def post_update(
    ref: RefArg,
    text: Annotated[str, typer.Argument(help="What changed, what is next.")],
    public: Annotated[bool, typer.Option("--public", help="For customers, not internal.")] = False,
    public_title: Annotated[
        str | None,
        typer.Option("--public-title", help="With --public: the incident's status page name."),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Post a status update (internal by default; --public: on the status pages too)."""
    body: dict[str, Any] = {"text": text, "audience": "public" if public else "internal"}
    if public_title:
        body["public_title"] = public_title
    with _api() as api:
        data = api.post(incident_path(ref, "updates"), json=body)
        _emit(
            data,
            as_json,
            lambda: _say(
                f"{normalise_ref(ref)}: {data['audience']} update {data['id']} posted "
                f"(status: {data['status']})"
            ),
        )


# --- escalation ---------------------------------------------------------------------------


def _show_escalation(data: dict[str, Any], wide: bool) -> None:
    runs = data["runs"]
    if not runs:
        _say(f"{data['incident']}: no escalation (nobody was paged; see the timeline)")
        return
    table(
        f"{data['incident']} escalation runs",
        RUN_COLUMNS,
        [
            [
                r["id"],
                r["policy"] or "—",
                r["state"],
                r["step"],
                r["round"],
                when(r["next_at"]),
                r["reason"],
            ]
            for r in runs
        ],
        wide,
    )
    pages = data["pages"]
    if not pages:
        _say("no pages yet")
        return
    table(
        "pages",
        PAGE_COLUMNS,
        [
            [
                p["id"],
                p["escalation_id"],
                p["username"],
                when(p["paged_at"]),
                p["step"],
                p["round"],
                p["reason"],
                p["status"],
                ", ".join(f"{d['id']} {d['channel']} {d['status']}" for d in p["deliveries"])
                or "—",
            ]
            for p in pages
        ],
        wide,
    )


def show_escalation(ref: RefArg, as_json: AsJson = False, wide: Wide = False) -> None:
    """Who was paged, when and why, the state of each escalation run, and the deliveries."""
    with _api() as api:
        data = api.get(incident_path(ref, "escalation"))
        _emit(data, as_json, lambda: _show_escalation(data, wide))


def reassign(
    ref: RefArg,
    user: Annotated[
        str | None, typer.Option("--user", help="Page this person now (then the team policy).")
    ] = None,
    policy: Annotated[
        str | None, typer.Option("--policy", help="Run this escalation policy from step 1.")
    ] = None,
    reason: ReasonOption = None,
    as_json: AsJson = False,
) -> None:
    """Stop the current escalation and page someone else (--user) or run a policy (--policy)."""
    if (user is None) == (policy is None):
        _fail("give exactly one of --user and --policy", USAGE_EXIT_CODE)
    body: dict[str, Any] = {"user": user} if user is not None else {"policy": policy}
    if reason:
        body["reason"] = reason
    with _api() as api:
        data = api.post(incident_path(ref, "reassign"), json=body)
        target = user if user is not None else f"policy {policy}"
        _emit(data, as_json, lambda: _say(f"{data['incident']} reassigned to {target}"))


def close(
    ref: RefArg,
    reason: ReasonOption = None,
    override_postmortem: Annotated[
        str | None,
        typer.Option(
            "--override-postmortem",
            metavar="REASON",
            help="Admins only: close although the required postmortem is not published; "
            "the reason goes to the audit log.",
        ),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Close a resolved incident."""
    body: dict[str, Any] = {}
    if reason:
        body["reason"] = reason
    if override_postmortem is not None:
        body["override_postmortem"] = override_postmortem
    with _api() as api:
        data = api.post(incident_path(ref, "actions", "close"), json=body or None)
        _emit(data, as_json, lambda: _say(f"{data['ref']} closed (status: {data['status']})"))


# In the order of an incident, which is the order of ``warroom incident --help``.
COMMANDS: tuple[tuple[str, Callable[..., None]], ...] = (
    ("declare", declare),
    ("list", list_incidents),
    ("show", show),
    ("ack", _action("ack", "acknowledge", "acknowledged", "Acknowledge: someone is on it.")),
    ("assign", assign),
    ("release", release),
    ("join", join),
    ("sev", change_severity),
    ("note", note),
    ("pin", pin),
    ("update", post_update),
    ("updates", list_updates),
    (
        "mitigate",
        _action("mitigate", "mitigate", "mitigated", "Mark mitigated: the impact has stopped."),
    ),
    ("resolve", _action("resolve", "resolve", "resolved", "Mark resolved: the cause is fixed.")),
    ("reopen", _action("reopen", "reopen", "reopened", "Reopen a resolved incident.")),
    ("close", close),
    ("timeline", show_timeline),
    ("escalation", show_escalation),
    ("reassign", reassign),
    ("edit", edit),
    ("correct", correct),
)
for _name, _command in COMMANDS:
    app.command(_name)(_command)
