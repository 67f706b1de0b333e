"""Mounting the web app on the ASGI app: pages, vendored assets, the live-page watcher and
the security headers of every answer."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session, sessionmaker

from warroom.auth.sign_in_limits import SignInLimits
from warroom.http.security import SecurityHeaders
from warroom.web.live import TimelineWatch
from warroom.web.pages import (
    action_items,
    alerts,
    audit,
    configuration,
    deliveries,
    drills,
    errors,
    incidents,
    insights,
    monitors,
    oncall,
    postmortems,
    sign_in,
    silences,
    slos,
    sso,
    status,
)
from warroom.web.templating import STATIC

PAGE_ROUTERS = (
    sign_in.router,
    sso.router,
    incidents.router,
    alerts.router,
    silences.router,
    deliveries.router,
    configuration.router,
    errors.router,
    oncall.router,
    insights.router,
    slos.router,
    status.router,
    audit.router,
    postmortems.router,
    action_items.router,
    drills.router,
    monitors.router,
)


def install(app: FastAPI, session_factory: sessionmaker[Session]) -> None:
    app.state.timeline_watch = TimelineWatch(session_factory)
    app.state.sign_in_limits = SignInLimits()
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in PAGE_ROUTERS:
        app.include_router(router)
    app.add_middleware(SecurityHeaders)


def stop(app: FastAPI) -> None:
    app.state.timeline_watch.close()
