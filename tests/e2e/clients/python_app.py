"""An application instrumented with the real sentry-sdk, run as its own process by the
end-to-end tests: ``python -m tests.e2e.clients.python_app DSN COMPRESSION`` (or ``DSN flood``, or
``DSN error RELEASE ENVIRONMENT`` for one error of a release).

It serves a WSGI app on loopback and requests a path that raises (an unhandled exception
the SDK's WSGI middleware reports), logs an error through the logging integration, captures
an exception with a custom fingerprint, a message with an attachment, and a transaction;
then flushes and prints what it sent as one JSON object.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import urllib.error
import urllib.request
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

import sentry_sdk
from sentry_sdk.integrations.wsgi import SentryWsgiMiddleware

FLUSH_SECONDS = 20


class Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    if environ["PATH_INFO"] == "/boom":
        orders: dict[str, int] = {}
        return [bytes(orders["missing-order"])]
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


def charge(order: str) -> None:
    raise ValueError(f"card declined for order {order}")


FLOOD_EVENTS = 20


def flood(dsn: str) -> None:
    """Capture ``FLOOD_EVENTS`` errors in a row: past the project's quota warroom answers
    429, and the SDK stops sending errors and reports what it dropped."""
    sent: dict[str, Any] = {"events": []}

    def remember(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
        sent["events"].append(event["event_id"])
        return event

    sentry_sdk.init(dsn=dsn, release="shop@1.4.0", before_send=remember)
    for n in range(FLOOD_EVENTS):
        try:
            charge(f"o-{n}")
        except ValueError:
            sentry_sdk.capture_exception()
        sentry_sdk.flush(timeout=FLUSH_SECONDS)
    sentry_sdk.get_client().close(timeout=FLUSH_SECONDS)
    print(json.dumps(sent))


def settle_invoice(invoice: str) -> None:
    totals: dict[str, int] = {}
    print(totals[invoice])


def one_error(dsn: str, release: str, environment: str) -> None:
    """The same error (same stack, so the same issue) from ``release`` in ``environment``."""
    sentry_sdk.init(dsn=dsn, release=release, environment=environment)
    try:
        settle_invoice("inv-1")
    except KeyError:
        event_id = sentry_sdk.capture_exception()
    sentry_sdk.flush(timeout=FLUSH_SECONDS)
    print(json.dumps({"events": [event_id]}))


def main(dsn: str, compression: str) -> None:
    sent: dict[str, Any] = {}

    def remember(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
        sent.setdefault("events", []).append(event["event_id"])
        return event

    sentry_sdk.init(
        dsn=dsn,
        release="shop@1.4.0",
        environment="production",
        traces_sample_rate=1.0,
        before_send=remember,
        _experiments={"transport_compression_algo": compression},
    )
    server = make_server("127.0.0.1", 0, SentryWsgiMiddleware(app), handler_class=Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/boom?user=7", timeout=10)
    except urllib.error.HTTPError as exc:
        sent["wsgi_status"] = exc.code
    server.shutdown()

    logging.basicConfig(level=logging.INFO)
    logging.getLogger("shop.payments").error("payment %s failed", "p-1")

    with sentry_sdk.new_scope() as scope:
        scope.fingerprint = ["{{ default }}", "card-declined"]
        try:
            charge("o-1")
        except ValueError:
            sent["fingerprinted"] = sentry_sdk.capture_exception()

    with sentry_sdk.new_scope() as scope:
        scope.add_attachment(bytes=b"order=o-1\nstate=declined\n", filename="debug.txt")
        sent["with_attachment"] = sentry_sdk.capture_message("checkout trace attached", "warning")

    with (
        sentry_sdk.start_transaction(name="GET /orders", op="http.server"),
        sentry_sdk.start_span(op="db", description="SELECT orders"),
    ):
        pass

    sentry_sdk.flush(timeout=FLUSH_SECONDS)
    print(json.dumps(sent))


if __name__ == "__main__":
    if sys.argv[2] == "flood":
        flood(sys.argv[1])
    elif sys.argv[2] == "error":
        one_error(sys.argv[1], sys.argv[3], sys.argv[4])
    else:
        main(sys.argv[1], sys.argv[2])
