"""``warroom alerts|silence|maintenance|integrations …``: alert intake over the REST API.

Like ``warroom incident``, the server is ``WARROOM_URL`` (default http://127.0.0.1:8000) and
the caller is whoever owns ``WARROOM_TOKEN``; every command takes ``--json`` to print the
API's answer as is, and every failure is one ``error:`` line on stderr.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from warroom.alerts.models import AlertDecision, AlertStatus
from warroom.cli.client import (
    REF_PATTERN,
    USAGE_EXIT_CODE,
)
from warroom.cli.output import Column, JsonOption, WideOption, details, note, table, when
from warroom.cli.output import fail as _fail
from warroom.cli.remote import api as _api
from warroom.cli.remote import emit as _emit
from warroom.cli.remote import instant as _instant
from warroom.cli.remote import say as _say
from warroom.matchers import Matcher, MatcherError

alerts_app = typer.Typer(
    help="Alerts: deduplicated signals, who owns them and what became of them.",
    no_args_is_help=True,
)
silence_app = typer.Typer(
    help="Silences: keep matching alerts from starting anything for a while.",
    no_args_is_help=True,
)
maintenance_app = typer.Typer(
    help="Maintenance windows: silence one service's alerts while it is worked on.",
    no_args_is_help=True,
)
integrations_app = typer.Typer(
    help="Integrations: where alerts come from, and how many arrived.", no_args_is_help=True
)

ALERTS = "/api/v1/alerts"
SILENCES = "/api/v1/silences"
MAINTENANCE = "/api/v1/maintenance"
INTEGRATIONS = "/api/v1/integrations"
MATCHER_HELP = (
    'Alertmanager-style matcher: name="value", name!="value", name=~"regex" or '
    'name!~"regex" (quote it for the shell).'
)

AsJson = Annotated[bool, JsonOption]
Wide = Annotated[bool, WideOption]
DurationOption = Annotated[
    str | None, typer.Option("--duration", help="How long, e.g. 30m, 2h or 1d; or give --until.")
]
UntilOption = Annotated[
    str | None,
    typer.Option(
        "--until", help="When it ends, ISO 8601 (local time without an offset); or --duration."
    ),
]
StartsOption = Annotated[
    str | None,
    typer.Option(
        "--starts", help="When it begins, ISO 8601 (local time without an offset); default now."
    ),
]
CommentOption = Annotated[
    str, typer.Option("--comment", help="Why (required): shown on every alert it mutes.")
]
ExpiredOption = Annotated[
    bool, typer.Option("--expired", help="Also those that have ended or were expired.")
]


# --- plumbing ---------------------------------------------------------------------------


def _matchers(texts: Sequence[str], option: str) -> list[str]:
    """Checked here so a typo is one usage error naming the matcher, before any request."""
    out = []
    for text in texts:
        try:
            out.append(str(Matcher.parse(text)))
        except MatcherError as exc:
            _fail(f"{option}: {exc}", USAGE_EXIT_CODE)
    return out


def _window(starts: str | None, until: str | None, duration: str | None) -> dict[str, str]:
    if (until is None) == (duration is None):
        _fail("give either --duration (e.g. 2h) or --until (an ISO 8601 time)", USAGE_EXIT_CODE)
    body: dict[str, str] = {}
    if starts is not None:
        body["starts_at"] = _instant(starts, "--starts")
    if until is not None:
        body["ends_at"] = _instant(until, "--until")
    if duration is not None:
        body["duration"] = duration.strip()
    return body


def _short(value: str | None) -> str:
    """``03-02 09:15`` (month-day, in the time's own zone) for tables of many rows."""
    return when(value)[5:16] if value else "—"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _counts(counts: dict[str, Any]) -> str:
    """``{"opened": 2, "duplicate": 1}`` → ``opened 2, duplicate 1``."""
    return ", ".join(f"{key} {value}" for key, value in counts.items() if value) or "—"


# --- alerts -----------------------------------------------------------------------------


def routed_by(alert: dict[str, Any]) -> str:
    """Who owns the alert and why, e.g. ``owned by payments: label service=payments-api is
    owned by payments in the catalog``."""
    explanation = alert.get("routed_by") or {}
    reason = explanation.get("reason")
    if not reason:
        return "not routed yet"
    extra = [
        f"{key}={value}" for key, value in explanation.items() if key not in ("step", "reason")
    ]
    line = f"owned by {alert.get('team') or 'nobody'}: {reason}"
    return line + (f" ({', '.join(extra)})" if extra else "")


def _state(alert: dict[str, Any]) -> str:
    marks = [
        mark
        for mark, on in (("muted", alert.get("muted_by")), ("flapping", alert.get("flapping")))
        if on
    ]
    return f"{alert['status']} ({', '.join(marks)})" if marks else str(alert["status"])


def _decision(alert: dict[str, Any]) -> str:
    rule = alert.get("rule")
    return f"{alert['decision']} ({rule})" if rule else str(alert["decision"])


ALERT_COLUMNS = (
    Column("id", whole=True),
    Column("status", whole=True),
    Column("title", min_width=30),
    Column("team", priority=2, whole=True),
    Column("service", priority=4, whole=True),
    Column("decision", priority=5),
    Column("incident", priority=1, whole=True),
    Column("occurrences", priority=5, whole=True),
    Column("last seen", priority=3, whole=True),
)


def _list_alerts(page: dict[str, Any], wide: bool) -> None:
    items = page["items"]
    if not items:
        _say("no alerts match")
        return
    table(
        "Alerts",
        ALERT_COLUMNS,
        [
            [
                a["id"],
                _state(a),
                a["title"],
                a["team"] or "—",
                a["service"] or "—",
                _decision(a),
                a["incident"] or "—",
                a["occurrences"],
                _short(a["last_seen_at"]),
            ]
            for a in items
        ],
        wide,
    )
    first, last, total = page["offset"] + 1, page["offset"] + len(items), page["total"]
    shown = (
        _plural(total, "alert")
        if (first, last) == (1, total)
        else (f"alerts {first} to {last} of {total}")
    )
    more = f"; more with --offset {page['next_offset']}" if page.get("next_offset") else ""
    _say(shown + more)


def _pairs(values: dict[str, Any]) -> str:
    return ", ".join(f"{key}={value}" for key, value in sorted(values.items())) or "—"


HISTORY_COLUMNS = (
    Column("time", whole=True),
    Column("event", whole=True),
    Column("what happened", min_width=30),
)


def _show_alert(alert: dict[str, Any], wide: bool) -> None:
    rows: list[tuple[str, object]] = []

    def row(label: str, value: object) -> None:
        rows.append((label, value))

    row("status", alert["status"] + (" (flapping)" if alert["flapping"] else ""))
    row("severity", alert["severity"])
    row("environment", alert["environment"])
    row("integration", f"{alert['integration']} ({alert['source']})")
    row("identity", alert["identity"])
    row("team", alert["team"])
    row("service", alert["service"])
    row("routed by", routed_by(alert))
    row("muted by", alert["muted_by"])
    row("rule", alert["rule"])
    row("decision", alert["decision"])
    row("incident", alert["incident"])
    row("occurrences", alert["occurrences"])
    row("started", when(alert["starts_at"]))
    row("first seen", when(alert["first_seen_at"]))
    row("last seen", when(alert["last_seen_at"]))
    row("acknowledged", when(alert["acknowledged_at"]))
    row("resolved", when(alert["resolved_at"]))
    row("description", alert["description"])
    row("labels", _pairs(alert["labels"]))
    row("annotations", _pairs(alert["annotations"]))
    for link in alert["links"]:
        row("link", " ".join(str(v) for v in (link.get("text"), link.get("href")) if v))
    row("group key", alert["group_key"])
    details(f"alert {alert['id']} · {alert['title']}", rows)
    events = alert.get("events")
    if events:
        table(
            "History",
            HISTORY_COLUMNS,
            [[when(e["at"]), e["kind"], e["text"]] for e in events],
            wide,
        )


def _incident_number(ref: str) -> int:
    match = REF_PATTERN.match(ref.strip())
    if match is None:
        _fail(f"--incident: '{ref}' is not an incident reference like INC-12", USAGE_EXIT_CODE)
    return int(match.group(1))


@alerts_app.command("list")
def list_alerts(
    status: Annotated[
        list[AlertStatus] | None, typer.Option("--status", help="Only these statuses (repeatable).")
    ] = None,
    team: Annotated[str | None, typer.Option("--team", help="Owning team slug.")] = None,
    service: Annotated[str | None, typer.Option("--service", help="Service slug.")] = None,
    integration: Annotated[
        str | None, typer.Option("--integration", help="Integration slug the alert came from.")
    ] = None,
    decision: Annotated[
        AlertDecision | None, typer.Option("--decision", help="What the alert rules made of it.")
    ] = None,
    incident: Annotated[
        str | None,
        typer.Option("--incident", metavar="INC-N", help="Only alerts attached to this incident."),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=200)] = 50,
    offset: Annotated[int, typer.Option("--offset", min=0)] = 0,
    as_json: AsJson = False,
    wide: Wide = False,
) -> None:
    """List alerts, newest first; muted and flapping ones are marked."""
    given: dict[str, Any] = {
        "status": [s.value for s in status or []],
        "team": team,
        "service": service,
        "integration": integration,
        "decision": decision.value if decision else None,
        "incident": _incident_number(incident) if incident is not None else None,
        "limit": limit,
        "offset": offset,
    }
    params = {key: value for key, value in given.items() if value not in (None, [])}
    with _api() as api:
        page = api.get(ALERTS, params=params)
        _emit(page, as_json, lambda: _list_alerts(page, wide))


@alerts_app.command("show")
def show_alert(
    alert_id: Annotated[int, typer.Argument(metavar="ID", help="Alert id.")],
    as_json: AsJson = False,
    wide: Wide = False,
) -> None:
    """One alert: labels, who owns it and why, muting, the rule's decision, its incident and
    its history."""
    with _api() as api:
        alert = api.get(f"{ALERTS}/{alert_id}")
        _emit(alert, as_json, lambda: _show_alert(alert, wide))


# --- silences and maintenance windows -----------------------------------------------------


def _status(window: dict[str, Any], only_current: bool) -> str:
    if window["expired_at"]:
        return "expired"
    if window["active"]:
        return "active"
    # Without --expired the server lists only windows that have not ended.
    if only_current or datetime.fromisoformat(window["starts_at"]) > datetime.now(UTC):
        return "scheduled"
    return "ended"


def _describe(window: dict[str, Any]) -> str:
    """``service payments-api, alertname="Disk"`` or ``alertname="Disk"``."""
    parts = [f"service {window['service']}"] if window.get("service") else []
    parts += window["matchers"]
    return ", ".join(parts) or "every alert"


def _created(noun: str, window: dict[str, Any]) -> None:
    begins = "" if window["active"] else f" from {when(window['starts_at'])}"
    _say(
        f"{noun} {window['id']} added: {_describe(window)}{begins} "
        f"until {when(window['ends_at'])} ({window['comment']})"
    )


def _list_windows(
    title: str, noun: str, windows: list[dict[str, Any]], expired: bool, wide: bool
) -> None:
    if not windows:
        _say(f"no {noun}s" if expired else f"no active or scheduled {noun}s")
        return
    maintenance = any(w["kind"] == "maintenance" for w in windows)
    columns = [
        Column("id", whole=True),
        Column("state", whole=True),
        *([Column("service", priority=1, whole=True)] if maintenance else []),
        Column("matchers", priority=1, min_width=20),
        Column("starts", priority=3, whole=True),
        Column("ends", priority=2, whole=True),
        Column("by", priority=4, whole=True),
        Column("comment", priority=3),
    ]
    table(
        title,
        columns,
        [
            [
                w["id"],
                _status(w, not expired),
                *([w["service"]] if maintenance else []),
                ", ".join(w["matchers"]) or "—",
                when(w["starts_at"]),
                when(w["expired_at"] or w["ends_at"]),
                w["created_by"],
                w["comment"],
            ]
            for w in windows
        ],
        wide,
    )


@silence_app.command("add")
def add_silence(
    matchers: Annotated[list[str], typer.Argument(metavar="MATCHER", help=MATCHER_HELP)],
    comment: CommentOption,
    duration: DurationOption = None,
    until: UntilOption = None,
    starts: StartsOption = None,
    as_json: AsJson = False,
) -> None:
    """Silence alerts matching every MATCHER: they are kept and shown, but start nothing."""
    body: dict[str, Any] = {
        "matchers": _matchers(matchers, "MATCHER"),
        **_window(starts, until, duration),
        "comment": comment,
    }
    with _api() as api:
        data = api.post(SILENCES, json=body)
        _emit(data, as_json, lambda: _created("silence", data))


@silence_app.command("list")
def list_silences(
    expired: ExpiredOption = False, as_json: AsJson = False, wide: Wide = False
) -> None:
    """Active and scheduled silences (with --expired, ended ones too)."""
    with _api() as api:
        data = api.get(SILENCES, params={"expired": "true"} if expired else None)
        _emit(data, as_json, lambda: _list_windows("Silences", "silence", data, expired, wide))


@silence_app.command("expire")
def expire_silence(
    silence_id: Annotated[int, typer.Argument(metavar="ID", help="Silence id.")],
    as_json: AsJson = False,
) -> None:
    """End a silence now; alerts that arrive from now on are no longer muted by it."""
    with _api() as api:
        data = api.delete(f"{SILENCES}/{silence_id}")
        _emit(data, as_json, lambda: _say(f"silence {data['id']} expired ({_describe(data)})"))


@maintenance_app.command("add")
def add_maintenance(
    service: Annotated[str, typer.Argument(help="Service slug from the configuration.")],
    comment: CommentOption,
    duration: DurationOption = None,
    until: UntilOption = None,
    starts: StartsOption = None,
    matchers: Annotated[
        list[str] | None,
        typer.Option(
            "--matcher", help=f"Only alerts that also match this (repeatable). {MATCHER_HELP}"
        ),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Open a maintenance window: the service's alerts are kept but start nothing."""
    body: dict[str, Any] = {
        "service": service,
        "matchers": _matchers(matchers or [], "--matcher"),
        **_window(starts, until, duration),
        "comment": comment,
    }
    with _api() as api:
        data = api.post(MAINTENANCE, json=body)
        _emit(data, as_json, lambda: _created("maintenance window", data))


@maintenance_app.command("list")
def list_maintenance(
    expired: ExpiredOption = False, as_json: AsJson = False, wide: Wide = False
) -> None:
    """Active and scheduled maintenance windows (with --expired, ended ones too)."""
    with _api() as api:
        data = api.get(MAINTENANCE, params={"expired": "true"} if expired else None)
        _emit(
            data,
            as_json,
            lambda: _list_windows("Maintenance windows", "maintenance window", data, expired, wide),
        )


@maintenance_app.command("end")
def end_maintenance(
    window_id: Annotated[int, typer.Argument(metavar="ID", help="Maintenance window id.")],
    as_json: AsJson = False,
) -> None:
    """End a maintenance window now."""
    with _api() as api:
        data = api.delete(f"{MAINTENANCE}/{window_id}")
        _emit(
            data,
            as_json,
            lambda: _say(f"maintenance window {data['id']} ended ({_describe(data)})"),
        )


# --- integrations -------------------------------------------------------------------------


INTEGRATION_COLUMNS = (
    Column("slug", whole=True),
    Column("kind", whole=True),
    Column("team", priority=2, whole=True),
    Column("service", priority=3, whole=True),
    Column("accepted", priority=1, whole=True),
    Column("refused", priority=4),
    Column("stored signals", priority=3),
    Column("last signal", priority=1, whole=True),
)


def _list_integrations(items: list[dict[str, Any]], wide: bool) -> None:
    if not items:
        _say("no integrations are configured")
        return
    table(
        "Integrations",
        INTEGRATION_COLUMNS,
        [
            [
                i["slug"],
                i["kind"],
                i["team"] or "—",
                i["service"] or "—",
                i["counters"].get("accepted", 0),
                _counts({k: v for k, v in i["counters"].items() if k != "accepted"}),
                _counts(i["signals"]),
                when(i["last_signal_at"]),
            ]
            for i in items
        ],
        wide,
    )
    note(
        "accepted and refused: counted by this server process since it started; "
        "stored signals: by outcome, across every process"
    )


@integrations_app.command("list")
def list_integrations(as_json: AsJson = False, wide: Wide = False) -> None:
    """Every integration with its counters: accepted, refused by reason, stored signals by
    outcome, and the last signal."""
    with _api() as api:
        data = api.get(INTEGRATIONS)
        _emit(data, as_json, lambda: _list_integrations(data, wide))
