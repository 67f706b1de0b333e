"""Status pages: the public page, its Atom feed, and email subscriptions (subscribe, confirm,
unsubscribe). Everything shown comes from ``warroom.statuspage.views``, which carries public
facts only; this module renders.

A page with ``public: false`` asks for a sign-in (any role). Confirm and unsubscribe links only
show a button when opened (mail scanners follow links); posting acts. Unsubscribing needs no
CSRF token (its signed link is the credential), so mail clients can unsubscribe in one click
(RFC 8058).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from warroom.auth.permissions import Principal
from warroom.config import Config
from warroom.config.status_pages import StatusPage
from warroom.http.deps import ConfigDep, NowDep, SessionDep, client_address
from warroom.problems import NotFound
from warroom.statuspage import subscriptions
from warroom.statuspage.limits import SubscribeLimits
from warroom.statuspage.states import ComponentState
from warroom.statuspage.uptime import Day, Uptime
from warroom.statuspage.views import FeedEntry, feed_entries, page_view
from warroom.web import access
from warroom.web.routing import PageRoute
from warroom.web.templating import iso, render, render_text

router = APIRouter(route_class=PageRoute, include_in_schema=False)

Caller = Annotated[Principal | None, access.PublicPage]
MAX_TOKEN = 2048
NOTICES = {
    "sent": "Check your inbox: we sent a link to confirm the subscription.",
    "confirmed": "Subscribed: you will get an email for every update.",
    "unsubscribed": "Unsubscribed: no more emails will be sent to that address.",
}
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def status_page(
    config: Config, slug: str, caller: Principal | None, *, by_link: bool = False
) -> StatusPage:
    """The page; a non-public one asks for a sign-in, except through a subscriber's signed
    link (``by_link``)."""
    page = config.status_page(slug)
    if page is None:
        raise NotFound(f"there is no status page {slug!r}", field="slug")
    if not page.public and caller is None and not by_link:
        raise access.SignInRequired
    return page


def percent(ratio: float) -> str:
    """``99.95%``: never rounded up to 100% while there was any downtime."""
    if ratio >= 1:
        return "100%"
    return f"{int(ratio * 10_000) / 100:.2f}%"


def spent(minutes: int) -> str:
    """``45 min``, ``2 h``, ``15 h 20 min``."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h" if not rest else f"{hours} h {rest} min"


def bar_title(day: Day) -> str:
    spent_in = [
        f"{spent(day.minutes(state))} {state.label.lower()}"
        for state in reversed(ComponentState)
        if day.minutes(state)
    ]
    return f"{day.date:%Y-%m-%d}: " + (", ".join(spent_in) if spent_in else "no incidents")


def uptime_label(name: str, uptime: Uptime) -> str:
    bad = sum(1 for day in uptime.days if day.state is not ComponentState.OPERATIONAL)
    days = "no day" if not bad else "1 day" if bad == 1 else f"{bad} days"
    return (
        f"{name}: {percent(uptime.ratio)} uptime over the last {len(uptime.days)} days; "
        f"{days} with incidents"
    )


def public_url(request: Request) -> str:
    url: str = request.app.state.settings.public_url
    return url.rstrip("/")


@router.get("/status/{slug}")
def page(
    slug: str,
    request: Request,
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    caller: Caller,
    subscribe: Annotated[str, Query(max_length=32)] = "",
) -> Response:
    shown = status_page(config, slug, caller)
    view = page_view(session, config, shown, now)
    return render(
        request,
        "status/page.html",
        {
            "view": view,
            "notice": NOTICES.get(subscribe),
            "can_subscribe": subscriptions.emails_configured(config),
            "percent": percent,
            "bar_title": bar_title,
            "uptime_label": uptime_label,
        },
    )


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def _entry_id(base: str, slug: str, entry: FeedEntry) -> str:
    host = urlsplit(base).hostname or "localhost"
    return f"tag:{host},{entry.at:%Y-%m-%d}:status/{slug}/updates/{entry.id}"


@router.get("/status/{slug}/feed.atom")
def feed(
    slug: str,
    request: Request,
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    caller: Caller,
) -> Response:
    """Atom (RFC 4287): one entry per public update, newest first."""
    shown = status_page(config, slug, caller)
    entries = feed_entries(session, config, shown)
    base = public_url(request)
    body = render_text(
        "status/feed.xml",
        {
            "title": _xml_text(shown.title),
            "organization": _xml_text(config.organization.name),
            "page_url": f"{base}/status/{slug}",
            "feed_url": f"{base}/status/{slug}/feed.atom",
            "updated": iso(entries[0].at if entries else now),
            "entries": [
                {
                    "id": _entry_id(base, slug, e),
                    "title": _xml_text(f"{e.title}: {e.status.label}"),
                    "at": iso(e.at),
                    "incident": e.incident_id,
                    "text": _xml_text(e.text),
                }
                for e in entries
            ],
        },
    )
    return Response(body, media_type="application/atom+xml; charset=utf-8")


def limits(request: Request) -> SubscribeLimits:
    found: SubscribeLimits | None = getattr(request.app.state, "subscribe_limits", None)
    if found is None:
        found = request.app.state.subscribe_limits = SubscribeLimits()
    return found


def _refused(request: Request, status: int, message: str, wait: int | None = None) -> Response:
    return render(
        request,
        "error.html",
        {"status": status, "message": message, "field": "email"},
        status_code=status,
        headers={"Retry-After": str(wait)} if wait else None,
    )


@router.post("/status/{slug}/subscribe")
def subscribe(
    slug: str,
    request: Request,
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    _checked: access.PublicActionDep,
    email: Annotated[str, Form(max_length=1024)],
) -> Response:
    caller = getattr(request.state, "principal", None)
    shown = status_page(config, slug, caller)
    wait = limits(request).admit(client_address(request) or "unknown", now)
    if wait:
        message = f"Too many subscribe requests: try again in {wait} seconds."
        return _refused(request, 429, message, wait)
    try:
        subscriptions.subscribe(session, config, shown, email, now)
    except subscriptions.TooManyRequests as exc:
        session.rollback()
        return _refused(request, 429, exc.message, exc.retry_after)
    session.commit()
    return RedirectResponse(f"/status/{slug}?subscribe=sent#subscribe", status_code=303)


def _link_page(
    request: Request,
    shown: StatusPage,
    heading: str,
    text: str,
    *,
    action: str | None = None,
    token: str = "",
    button: str = "",
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "status/link.html",
        {
            "page": shown,
            "heading": heading,
            "text": text,
            "action": action,
            "token": token,
            "button": button,
        },
        status_code=status_code,
    )


def _bad_link(request: Request, shown: StatusPage, exc: subscriptions.InvalidLink) -> Response:
    expired = "expired" in exc.message
    return _link_page(
        request,
        shown,
        "This link has expired" if expired else "This link does not work",
        exc.message[:1].upper() + exc.message[1:] + ".",
        status_code=410 if expired else 403,
    )


def _link_form(
    request: Request,
    session: Session,
    config: Config,
    now: datetime,
    slug: str,
    token: str,
    purpose: str,
) -> tuple[StatusPage, str] | Response:
    shown = status_page(config, slug, None, by_link=True)
    key = access.web_key(request, session, now)
    try:
        row = subscriptions.check(session, key, purpose, shown, token, now)
    except subscriptions.InvalidLink as exc:
        return _bad_link(request, shown, exc)
    return shown, row.email


@router.get("/status/{slug}/confirm")
def confirm_form(
    slug: str,
    request: Request,
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    _caller: Caller,
    token: Annotated[str, Query(max_length=MAX_TOKEN)] = "",
) -> Response:
    found = _link_form(request, session, config, now, slug, token, subscriptions.CONFIRM_PURPOSE)
    if isinstance(found, Response):
        return found
    shown, email = found
    return _link_page(
        request,
        shown,
        f"Subscribe to {shown.title}?",
        f"{email} will get an email for every public update on {shown.title}.",
        action=f"/status/{slug}/confirm",
        token=token,
        button="Confirm subscription",
    )


@router.post("/status/{slug}/confirm")
def confirm(
    slug: str,
    request: Request,
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    _checked: access.PublicActionDep,
    token: Annotated[str, Form(max_length=MAX_TOKEN)],
) -> Response:
    shown = status_page(config, slug, None, by_link=True)
    key = access.web_key(request, session, now)
    try:
        subscriptions.confirm(session, key, shown, token, now)
    except subscriptions.InvalidLink as exc:
        session.rollback()
        return _bad_link(request, shown, exc)
    session.commit()
    return RedirectResponse(f"/status/{slug}?subscribe=confirmed#subscribe", status_code=303)


@router.get("/status/{slug}/unsubscribe")
def unsubscribe_form(
    slug: str,
    request: Request,
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    _caller: Caller,
    token: Annotated[str, Query(max_length=MAX_TOKEN)] = "",
) -> Response:
    found = _link_form(
        request, session, config, now, slug, token, subscriptions.UNSUBSCRIBE_PURPOSE
    )
    if isinstance(found, Response):
        return found
    shown, email = found
    return _link_page(
        request,
        shown,
        f"Unsubscribe from {shown.title}?",
        f"{email} will get no more emails about {shown.title}.",
        action=f"/status/{slug}/unsubscribe",
        token=token,
        button="Unsubscribe",
    )


@router.post("/status/{slug}/unsubscribe")
def unsubscribe(
    slug: str,
    request: Request,
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    _caller: Caller,
    query_token: Annotated[str, Query(alias="token", max_length=MAX_TOKEN)] = "",
    form_token: Annotated[str, Form(alias="token", max_length=MAX_TOKEN)] = "",
) -> Response:
    """The form's button, or a mail client's one-click POST (the token in the query)."""
    shown = status_page(config, slug, None, by_link=True)
    key = access.web_key(request, session, now)
    try:
        subscriptions.unsubscribe(session, key, shown, query_token or form_token, now)
    except subscriptions.InvalidLink as exc:
        session.rollback()
        return _bad_link(request, shown, exc)
    session.commit()
    return RedirectResponse(f"/status/{slug}?subscribe=unsubscribed#subscribe", status_code=303)
