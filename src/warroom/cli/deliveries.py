"""``warroom deliveries list|show|retry``: the notification outbox over the REST API."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from warroom.cli.output import Column, JsonOption, WideOption, details, table, when
from warroom.cli.remote import api as _api
from warroom.cli.remote import emit as _emit
from warroom.cli.remote import say as _say
from warroom.notify.models import Channel, DeliveryStatus

app = typer.Typer(
    help="Deliveries: every email, Slack message and webhook warroom sent or tried to send.",
    no_args_is_help=True,
)
DELIVERIES = "/api/v1/deliveries"
AsJson = Annotated[bool, JsonOption]
Wide = Annotated[bool, WideOption]
COLUMNS = (
    Column("id", whole=True),
    Column("status", whole=True),
    Column("channel", priority=1, whole=True),
    Column("target", min_width=16),
    Column("incident", priority=1, whole=True),
    Column("purpose", priority=3),
    Column("tries", priority=2, whole=True),
    Column("when", priority=2, whole=True),
    Column("last error", priority=3, min_width=20),
)


def _rows(items: list[dict[str, Any]]) -> list[list[object]]:
    return [
        [
            item["id"],
            item["status"],
            item["channel"],
            item["target"],
            item["incident"] or "",
            item["purpose"],
            f"{item['attempts']}/{item['max_attempts']}",
            when(item["delivered_at"] or item["due_at"]),
            item["last_error"] or "",
        ]
        for item in items
    ]


@app.command("list")
def list_deliveries(
    failed: Annotated[
        bool, typer.Option("--failed", help="Only dead letters (every attempt failed).")
    ] = False,
    status: Annotated[
        list[DeliveryStatus] | None, typer.Option("--status", help="Only these (repeatable).")
    ] = None,
    channel: Annotated[Channel | None, typer.Option("--channel")] = None,
    incident: Annotated[
        str | None, typer.Option("--incident", metavar="INC-N", help="Only for this incident.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=200)] = 50,
    as_json: AsJson = False,
    wide: Wide = False,
) -> None:
    """List deliveries, newest first."""
    statuses = [DeliveryStatus.DEAD] if failed else list(status or [])
    params: dict[str, Any] = {"limit": limit}
    if statuses:
        params["status"] = [s.value for s in statuses]
    if channel is not None:
        params["channel"] = channel.value
    if incident is not None:
        params["incident"] = incident
    with _api() as api:
        page = api.get(DELIVERIES, params=params)

        def human() -> None:
            title = "Dead letters" if failed else "Deliveries"
            counts = ", ".join(f"{k} {v}" for k, v in sorted(page["counts"].items()))
            table(
                f"{title} ({page['total']}; outbox: {counts or 'empty'})",
                COLUMNS,
                _rows(page["items"]),
                wide,
            )

        _emit(page, as_json, human)


@app.command("show")
def show_delivery(
    delivery_id: Annotated[int, typer.Argument(metavar="ID")], as_json: AsJson = False
) -> None:
    """One delivery with its payload and last error."""
    with _api() as api:
        item = api.get(f"{DELIVERIES}/{delivery_id}")

        def human() -> None:
            names = (
                "status",
                "channel",
                "target",
                "purpose",
                "incident",
                "username",
                "subject",
                "attempts",
                "max_attempts",
                "created_at",
                "due_at",
                "delivered_at",
                "last_error",
            )
            details(f"delivery {item['id']}", [(name, item[name]) for name in names])

        _emit(item, as_json, human)


@app.command("retry")
def retry_delivery(
    delivery_id: Annotated[int, typer.Argument(metavar="ID")], as_json: AsJson = False
) -> None:
    """Send a dead letter again, now, with a fresh set of attempts."""
    with _api() as api:
        item = api.post(f"{DELIVERIES}/{delivery_id}/retry")
        _emit(
            item, as_json, lambda: _say(f"delivery {item['id']} queued again to {item['target']}")
        )
