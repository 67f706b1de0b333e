"""Silences and maintenance windows: the lists, creating one (a silence from an alert's
labels, with a preview of the open alerts it would match, live as the matchers are edited),
and ending one early."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Path, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from warroom.alerts import service
from warroom.alerts.models import Silence, SilenceKind
from warroom.alerts.mute import would_mute
from warroom.alerts.schemas import MaintenanceCreate, SilenceCreate, normalise_matchers
from warroom.alerts.state import AlertRow
from warroom.auth.permissions import Permission
from warroom.http.deps import ConfigDep, NowDep, SessionDep
from warroom.http.inputs import MAX_INT
from warroom.matchers import Matcher, MatcherError, MatcherTimeout, bounded
from warroom.web import access
from warroom.web.forms import validated
from warroom.web.pages.alerts import SUBNAV
from warroom.web.routing import PageRoute
from warroom.web.templating import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PREVIEW_SHOWN = 50
PREVIEW_SECONDS = 1.0
"""What the regular expressions of one preview may take in all (see ``matchers.bounded``)."""
TEXT = 20_000
DEFAULT_DURATION = "2h"


@dataclass
class Preview:
    """The open alerts the matchers would silence now (the first ``PREVIEW_SHOWN``)."""

    matchers: list[str] = field(default_factory=list)
    error: str | None = None
    alerts: list[AlertRow] = field(default_factory=list)
    total: int = 0
    refs: dict[int, str] = field(default_factory=dict)


def lines(text: str | None) -> list[str]:
    """Matchers typed one per line."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def preview(session: Session, text: str) -> Preview:
    typed = lines(text)
    if not typed:
        return Preview()
    try:
        matchers = normalise_matchers(typed)  # what the API stores, or its refusal
    except ValueError as exc:
        return Preview(typed, error=str(exc))
    try:
        with bounded(PREVIEW_SECONDS):
            found, total = would_mute(session, SilenceKind.SILENCE, matchers, limit=PREVIEW_SHOWN)
    except MatcherTimeout as exc:
        return Preview(matchers, error=str(exc))
    return Preview(matchers, None, found, total, service.incident_refs(session, found))


def from_labels(labels: dict[str, str]) -> list[str]:
    """One ``name="value"`` matcher per label an alert has (names a matcher cannot spell are
    left out)."""
    out = []
    for name, value in labels.items():
        try:
            out.append(str(Matcher.parse(str(Matcher.create(name, "=", str(value))))))
        except MatcherError:
            continue
    return out


def silences_of(session: Session, now: datetime, kind: SilenceKind, expired: bool) -> list[Any]:
    rows = service.list_silences(session, now, include_expired=expired, kind=kind)
    return [{"silence": s, "state": state(s, now)} for s in reversed(rows)]


def state(silence: Silence, now: datetime) -> str:
    if silence.expired_at is not None:
        return "expired"
    if silence.ends_at <= now:
        return "ended"
    return "active" if service.is_active(silence, now) else "pending"


@router.get("/alerts/silences")
def silence_list(
    request: Request,
    session: SessionDep,
    now: NowDep,
    caller: access.ReaderPage,
    expired: Annotated[bool, Query()] = False,
) -> Response:
    return render(
        request,
        "alerts/silences.html",
        {
            "rows": silences_of(session, now, SilenceKind.SILENCE, expired),
            "expired": expired,
            "subnav": SUBNAV,
            "tab": "/alerts/silences",
            "can_act": caller.may(Permission.RESPOND),
        },
    )


def _new_page(
    request: Request,
    session: Session,
    can_act: bool,
    matchers_text: str,
    fields: dict[str, str],
    alert_id: int | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "alerts/silence_new.html",
        {
            "matchers_text": matchers_text,
            "fields": fields,
            "alert_id": alert_id,
            "preview": preview(session, matchers_text),
            "subnav": SUBNAV,
            "tab": "/alerts/silences",
            "can_act": can_act,
        },
        status_code=status_code,
    )


@router.get("/alerts/silences/new")
def new_silence(
    request: Request,
    session: SessionDep,
    caller: access.ReaderPage,
    alert: Annotated[int | None, Query(ge=1, le=MAX_INT)] = None,
    matchers: Annotated[str | None, Query(max_length=TEXT)] = None,
) -> Response:
    """The form, filled in with an alert's labels (``?alert=ID``) or the matchers typed
    (``?matchers=``, the preview button without JavaScript for those who cannot create)."""
    text = matchers or ""
    comment = ""
    if alert is not None and matchers is None:
        found = service.get(session, alert)
        text = "\n".join(from_labels(found.labels or {}))
        comment = f"alert {found.id}: {found.title}"[:2000]
    return _new_page(
        request,
        session,
        caller.may(Permission.RESPOND),
        text,
        {"duration": DEFAULT_DURATION, "starts_at": "", "comment": comment},
        alert,
    )


@router.get("/alerts/silences/preview")
def silence_preview(
    request: Request,
    session: SessionDep,
    caller: access.ReaderPage,
    matchers: Annotated[str, Query(max_length=TEXT)] = "",
) -> Response:
    """The preview alone, for htmx as the matchers are edited; opened as a page (a link, no
    JavaScript), the whole new-silence page with that preview."""
    if request.headers.get("hx-request") != "true":
        fields = {"duration": "", "starts_at": "", "comment": ""}
        return _new_page(request, session, caller.may(Permission.RESPOND), matchers, fields)
    return render(request, "alerts/_preview.html", {"preview": preview(session, matchers)})


@router.post("/alerts/silences")
def create_silence(
    request: Request,
    session: SessionDep,
    now: NowDep,
    caller: access.ResponderAction,
    matchers: Annotated[str, Form(max_length=TEXT)] = "",
    duration: Annotated[str, Form(max_length=64)] = "",
    starts_at: Annotated[str, Form(max_length=64)] = "",
    comment: Annotated[str, Form(max_length=TEXT)] = "",
    intent: Annotated[Literal["create", "preview"], Form()] = "create",
) -> Response:
    """Creates the silence, or (``intent=preview``: the button that works without
    JavaScript) shows the form again with what the matchers would silence."""
    if intent == "preview":
        fields = {"duration": duration, "starts_at": starts_at, "comment": comment}
        return _new_page(request, session, True, matchers, fields)
    body = validated(
        SilenceCreate,
        matchers=lines(matchers),
        duration=duration,
        starts_at=starts_at,
        comment=comment,
    )
    start, end = service.window(now, body.starts_at, body.ends_at, body.duration)
    silence = service.create_silence(
        session,
        SilenceKind.SILENCE,
        body.matchers,
        start,
        end,
        body.comment,
        caller.user.username,
        now,
    )
    session.commit()
    return RedirectResponse(f"/alerts/silences#silence-{silence.id}", status_code=303)


@router.post("/alerts/silences/{silence_id}/expire")
def expire_silence(
    silence_id: Annotated[int, Path(ge=1, le=MAX_INT)],
    session: SessionDep,
    now: NowDep,
    _caller: access.ResponderAction,
) -> Response:
    service.expire(session, silence_id, now, SilenceKind.SILENCE)
    session.commit()
    return RedirectResponse("/alerts/silences", status_code=303)


@router.get("/alerts/maintenance")
def maintenance_list(
    request: Request,
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    caller: access.ReaderPage,
    expired: Annotated[bool, Query()] = False,
) -> Response:
    return render(
        request,
        "alerts/maintenance.html",
        {
            "rows": silences_of(session, now, SilenceKind.MAINTENANCE, expired),
            "expired": expired,
            "services": [s.slug for s in config.services],
            "default_duration": DEFAULT_DURATION,
            "subnav": SUBNAV,
            "tab": "/alerts/maintenance",
            "can_act": caller.may(Permission.RESPOND),
        },
    )


@router.post("/alerts/maintenance")
def create_maintenance(
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    caller: access.ResponderAction,
    service_: Annotated[str, Form(alias="service", max_length=64)] = "",
    duration: Annotated[str, Form(max_length=64)] = "",
    starts_at: Annotated[str, Form(max_length=64)] = "",
    comment: Annotated[str, Form(max_length=TEXT)] = "",
    matchers: Annotated[str, Form(max_length=TEXT)] = "",
) -> Response:
    body = validated(
        MaintenanceCreate,
        service=service_,
        duration=duration,
        starts_at=starts_at,
        comment=comment,
        matchers=lines(matchers),
    )
    service.check_service(config, body.service)
    start, end = service.window(now, body.starts_at, body.ends_at, body.duration)
    window = service.create_silence(
        session,
        SilenceKind.MAINTENANCE,
        body.matchers,
        start,
        end,
        body.comment,
        caller.user.username,
        now,
        service=body.service,
    )
    session.commit()
    return RedirectResponse(f"/alerts/maintenance#silence-{window.id}", status_code=303)


@router.post("/alerts/maintenance/{silence_id}/end")
def end_maintenance(
    silence_id: Annotated[int, Path(ge=1, le=MAX_INT)],
    session: SessionDep,
    now: NowDep,
    _caller: access.ResponderAction,
) -> Response:
    service.expire(session, silence_id, now, SilenceKind.MAINTENANCE)
    session.commit()
    return RedirectResponse("/alerts/maintenance", status_code=303)
