"""A program using the real sentry-sdk for release health and crons: an application-mode
session with an error, request-mode sessions of a WSGI app (one crashes), a ``@monitor`` job
that succeeds and one that fails. Run as ``python -m tests.e2e.health_client DSN``."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from wsgiref.util import setup_testing_defaults

import sentry_sdk
from sentry_sdk.integrations.wsgi import SentryWsgiMiddleware

if TYPE_CHECKING:
    from sentry_sdk._types import MonitorConfig

RELEASE = "shop@2.0"
FLUSH_SECONDS = 10
NIGHTLY: MonitorConfig = {
    "schedule": {"type": "crontab", "value": "0 3 * * *"},
    "checkin_margin": 10,
    "max_runtime": 20,
    "timezone": "Europe/Prague",
}
HOURLY: MonitorConfig = {"schedule": {"type": "interval", "value": 2, "unit": "hour"}}


@sentry_sdk.monitor(monitor_slug="nightly", monitor_config=NIGHTLY)
def nightly() -> int:
    return 1


@sentry_sdk.monitor(monitor_slug="broken", monitor_config=HOURLY)
def broken() -> None:
    raise RuntimeError("the job failed")


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    if environ["PATH_INFO"] == "/crash":
        raise KeyError("boom")
    start_response("200 OK", [])
    return [b"ok"]


def main(dsn: str) -> None:
    sentry_sdk.init(dsn=dsn, release=RELEASE, environment="production", auto_session_tracking=True)
    scope = sentry_sdk.get_isolation_scope()
    scope.set_user({"id": "u1"})
    scope.start_session(session_mode="application")
    try:
        raise ValueError("handled trouble")
    except ValueError as exc:
        sentry_sdk.capture_exception(exc)  # counts as an error of the session
    scope.end_session()
    nightly()
    with contextlib.suppress(RuntimeError):
        broken()
    wrapped = SentryWsgiMiddleware(app)
    for path in ("/", "/", "/", "/crash"):
        environ: dict[str, Any] = {}
        setup_testing_defaults(environ)
        environ["PATH_INFO"] = path
        with contextlib.suppress(KeyError):
            list(wrapped(environ, lambda *args, **kwargs: None))
    sentry_sdk.flush(timeout=FLUSH_SECONDS)


if __name__ == "__main__":
    main(sys.argv[1])
