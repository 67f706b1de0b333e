"""Alerts: the list with its filters, one alert with who routed it and why, and the
integrations that send them (with their keys, for admins only, and what they refused)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from warroom.alerts import service
from warroom.alerts.models import Alert, AlertDecision, AlertStatus
from warroom.auth.permissions import Permission
from warroom.config import Config
from warroom.config.intake import Integration, IntegrationKind
from warroom.http.deps import ConfigDep, SessionDep
from warroom.http.inputs import MAX_INT
from warroom.ingest.http import Ingestor
from warroom.ingest.models import SourceKind
from warroom.ingest.stored import StoredSignals, stored_signals
from warroom.web import access
from warroom.web.paging import paging
from warroom.web.routing import PageRoute
from warroom.web.templating import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE_SIZE = 50
OPEN = (AlertStatus.FIRING, AlertStatus.ACKNOWLEDGED)

ROUTING_STEPS = (
    ("label", "Labels", "a team label naming a configured team"),
    ("catalog", "Service catalog", "the owner of the service its labels name"),
    ("naming_rule", "Naming rule", "a naming-convention rule over the alert name"),
    ("integration_default", "Integration default", "the team of the integration it came from"),
    ("triage", "Triage team", "the fallback team of incident_defaults"),
)
"""The order in which ``warroom.route.ownership`` tries to find an owner."""


@dataclass(frozen=True)
class RoutingStep:
    key: str
    title: str
    what: str
    state: str
    """``skipped`` (tried, did not apply), ``decided`` or ``not_reached``."""


@dataclass(frozen=True)
class Routing:
    step: str | None
    reason: str
    extra: dict[str, Any]
    steps: list[RoutingStep]


def routing(routed_by: dict[str, Any]) -> Routing:
    """``routed_by`` as the steps the router went through: which ones did not apply, the one
    that decided, and those it never reached."""
    step = routed_by.get("step")
    keys = [key for key, _title, _what in ROUTING_STEPS]
    decided_at = keys.index(step) if step in keys else len(keys) if step else -1
    steps = [
        RoutingStep(
            key,
            title,
            what,
            "decided"
            if index == decided_at
            else "skipped"
            if index < decided_at
            else "not_reached",
        )
        for index, (key, title, what) in enumerate(ROUTING_STEPS)
    ]
    extra = {k: v for k, v in routed_by.items() if k not in ("step", "reason")}
    return Routing(
        step if isinstance(step, str) else None, str(routed_by.get("reason") or ""), extra, steps
    )


def safe_links(alert: Alert) -> list[tuple[str, str | None]]:
    """``(text, href)``; href only for http(s) URLs (a sender's ``javascript:`` stays text)."""
    out = []
    for link in alert.links or []:
        href = str(link.get("href") or "")
        text = str(link.get("text") or href)
        scheme = urlsplit(href).scheme.lower() if href else ""
        out.append((text, href if scheme in ("http", "https") else None))
    return out


SUBNAV = (
    ("/alerts", "Alerts"),
    ("/alerts/silences", "Silences"),
    ("/alerts/maintenance", "Maintenance"),
    ("/alerts/integrations", "Integrations"),
)
"""The tabs of the alerts pages."""


def _filter_options(config: Config) -> dict[str, Any]:
    return {
        "statuses": [s.value for s in AlertStatus],
        "teams": [t.slug for t in config.teams],
        "services": [s.slug for s in config.services],
        "integrations": [i.slug for i in config.integrations],
        "decisions": [d.value for d in AlertDecision],
    }


@router.get("/alerts")
def alert_list(
    request: Request,
    session: SessionDep,
    config: ConfigDep,
    caller: access.ReaderPage,
    status: Annotated[list[AlertStatus] | None, Query()] = None,
    team: Annotated[str | None, Query(max_length=64)] = None,
    service_: Annotated[str | None, Query(alias="service", max_length=64)] = None,
    integration: Annotated[str | None, Query(max_length=64)] = None,
    decision: Annotated[AlertDecision | None, Query()] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    """Open alerts unless statuses are chosen (``?status=`` alone: every status)."""
    open_only = status is None and "status" not in request.query_params
    statuses = OPEN if open_only else tuple(status or ())
    flt = service.AlertFilter(
        statuses=statuses,
        team=team or None,
        service=service_ or None,
        integration=integration or None,
        decision=decision,
        text=(q or "").strip() or None,
    )
    rows, total = service.search(session, flt, limit=PAGE_SIZE, offset=offset)
    return render(
        request,
        "alerts/list.html",
        {
            "alerts": rows,
            "refs": service.incident_refs(session, rows),
            "paging": paging(request, total, offset, len(rows), PAGE_SIZE),
            "filters": {
                "status": [s.value for s in statuses],
                "team": team or "",
                "service": service_ or "",
                "integration": integration or "",
                "decision": decision.value if decision else "",
                "q": q or "",
            },
            **_filter_options(config),
            "subnav": SUBNAV,
            "tab": "/alerts",
            "can_silence": caller.may(Permission.RESPOND),
        },
    )


def _detection(alert: Any) -> dict[str, str] | None:
    """A monitor's alert: its monitor and series fingerprint (from the identity
    ``monitor:<name>:<fingerprint>``), for the chart and the "not useful" button."""
    if alert.source is not SourceKind.MONITOR:
        return None
    parts = alert.identity.split(":")
    if len(parts) != 3:
        return None
    return {"monitor": parts[1], "series": parts[2]}


@router.get("/alerts/integrations")
def integrations(
    request: Request, session: SessionDep, config: ConfigDep, caller: access.ReaderPage
) -> Response:
    ingestor: Ingestor = request.app.state.ingestor
    stored = stored_signals(session)
    public_url: str = request.app.state.settings.public_url
    rows = [
        {
            "integration": i,
            "counters": ingestor.stats.of(i.slug),
            "stored": stored.get(i.slug, StoredSignals()),
            "url": receiving_url(public_url, i),
        }
        for i in config.integrations
    ]
    return render(
        request,
        "alerts/integrations.html",
        {
            "rows": rows,
            "subnav": SUBNAV,
            "tab": "/alerts/integrations",
            "show_keys": caller.may(Permission.ADMIN),
        },
    )


def receiving_url(public_url: str, integration: Integration) -> str:
    """Where a sender posts (the key is part of it, except for PagerDuty's routing key)."""
    base = public_url.rstrip("/")
    if integration.kind is IntegrationKind.PAGERDUTY:
        return f"{base}/v2/enqueue"
    return f"{base}/ingest/{integration.kind.value}/{integration.key}"


@router.get("/alerts/{alert_id:int}")
def alert_page(
    alert_id: Annotated[int, Path(ge=1, le=MAX_INT)],
    request: Request,
    session: SessionDep,
    config: ConfigDep,
    caller: access.ReaderPage,
) -> Response:
    alert = service.get(session, alert_id)
    refs = service.incident_refs(session, [alert])
    integration = config.integration(alert.integration)
    return render(
        request,
        "alerts/page.html",
        {
            "alert": alert,
            "incident": refs.get(alert.incident_id) if alert.incident_id else None,
            "integration": integration,
            "routing": routing(alert.routed_by or {}),
            "links": safe_links(alert),
            "events": service.events(session, alert),
            "subnav": SUBNAV,
            "tab": "/alerts",
            "can_silence": caller.may(Permission.RESPOND),
            "detection": _detection(alert),
        },
    )
