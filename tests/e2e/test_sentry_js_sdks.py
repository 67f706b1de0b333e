"""The real JavaScript SDKs against ``warroom serve`` on loopback, on SQLite and PostgreSQL:
``@sentry/node`` run with the machine's node, and ``@sentry/browser`` in Chromium (through
Playwright) on a page served from another loopback origin, which exercises CORS — the
project's allowed origin may send, a project without it refuses the browser."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.processes import IN_CI, require_binary
from tests.e2e.stack import Stack, Warroom
from tests.support.postgres import free_port

pytestmark = pytest.mark.slow
CLIENTS = Path(__file__).parent / "clients" / "node"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
NODE_KEY = "e2e0sentry0node0key0123456789abc"
BROWSER_KEY = "e2e0sentry0browser0key012345678"
CLOSED_KEY = "e2e0sentry0closed0key0123456789"
APP_SECONDS = 60
PAGE_SECONDS = 30


def projects(page_origin: str) -> dict[str, Any]:
    return {
        "projects": [
            {
                "slug": "shop-node",
                "id": 51,
                "team": "checkout",
                "platform": "node",
                "keys": [{"public_key": NODE_KEY}],
            },
            {
                "slug": "shop-web",
                "id": 52,
                "team": "checkout",
                "platform": "javascript",
                "allowed_origins": [page_origin],
                "keys": [{"public_key": BROWSER_KEY}],
            },
            {
                "slug": "back-office",
                "id": 53,
                "team": "payments",
                "platform": "javascript",
                "keys": [{"public_key": CLOSED_KEY}],
            },
        ]
    }


@pytest.fixture(scope="module")
def js_clients() -> Path:
    """The SDKs from npm (``npm ci`` here when .ci/run has not installed them)."""
    node = require_binary("/usr/bin/node", "nodejs")
    if not (CLIENTS / "node_modules" / "@sentry" / "node").exists():
        npm = shutil.which("npm")
        if npm is None:
            message = "npm is missing: it installs @sentry/node and @sentry/browser"
            pytest.fail(message) if IN_CI else pytest.skip(message)
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=CLIENTS,
            check=True,
            timeout=300,
        )
    assert node
    return CLIENTS


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest) -> str | None:
    if request.param == "postgres":
        url: str = request.getfixturevalue("empty_postgres_url")
        return url
    return None


def wait_event(stack: Stack, warroom: Warroom, event_id: str) -> dict[str, Any]:
    def found() -> dict[str, Any] | None:
        answer = warroom.client.get(f"/api/v1/errors/events/{event_id}")
        return answer.json() if answer.status_code == 200 else None

    result: dict[str, Any] = stack.wait(found, f"event {event_id}")
    return result


def test_sentry_node_reports_to_warroom(
    stack: Stack, js_clients: Path, database: str | None
) -> None:
    warroom = stack.warroom(database_url=database, extra=projects("http://127.0.0.1:1"))
    warroom.wait_ready()
    done = subprocess.run(
        ["node", "app.mjs", f"http://{NODE_KEY}@{warroom.hostport}/51"],
        cwd=js_clients,
        capture_output=True,
        text=True,
        timeout=APP_SECONDS,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    sent = json.loads(done.stdout.strip().splitlines()[-1])
    assert sent["flushed"] is True
    assert sorted(sent["events"]) == sorted([sent["thrown"], sent["message"]])
    thrown = wait_event(stack, warroom, sent["thrown"])
    issue = warroom.get(f"/api/v1/errors/issues/{thrown['issue']}")
    assert issue["title"] == "TypeError: cart c-9 has no owner"
    assert issue["culprit"].startswith("loadCart")
    assert issue["metadata"]["function"] == "loadCart"
    assert issue["team"] == "checkout"
    assert issue["first_release"] == "shop-node@2.0.0"
    message = wait_event(stack, warroom, sent["message"])
    synthetic = warroom.get(f"/api/v1/errors/issues/{message['issue']}")
    # @sentry/node sends a message with a synthetic exception; Sentry titles such an event
    # by the crash frame's function, here none (module code), so "<unknown>", and keeps the
    # message as the metadata's value.
    assert (synthetic["title"], synthetic["metadata"]["value"]) == (
        "<unknown>",
        "inventory sync lagging",
    )
    assert synthetic["level"] == "warning"


PAGE = """<!doctype html>
<html><head><title>shop</title><script src="/sentry.js"></script></head>
<body><script>
window.sent = [];
function boot(dsn) {
  Sentry.init({dsn, release: "shop-web@3.1.0", environment: "production",
    beforeSend(event) { window.sent.push(event.event_id); return event; }});
  function payButton() { throw new Error("payment button has no handler"); }
  try { payButton(); } catch (error) { Sentry.captureException(error); }
  return Sentry.flush(10000);
}
</script></body></html>
"""


@pytest.fixture
def page_server(js_clients: Path, tmp_path: Path) -> Iterator[str]:
    """The page and the browser SDK (bundled by esbuild from npm's @sentry/browser), served
    from their own loopback origin."""
    root = tmp_path / "site"
    root.mkdir()
    (root / "index.html").write_text(PAGE)
    entry = tmp_path / "entry.mjs"
    entry.write_text('import * as Sentry from "@sentry/browser";\nwindow.Sentry = Sentry;\n')
    subprocess.run(
        [
            str(js_clients / "node_modules" / ".bin" / "esbuild"),
            str(entry),
            "--bundle",
            "--format=iife",
            f"--outfile={root / 'sentry.js'}",
            "--log-level=warning",
        ],
        cwd=js_clients,
        check=True,
        timeout=APP_SECONDS,
        env={"NODE_PATH": str(js_clients / "node_modules"), "PATH": "/usr/bin:/bin"},
    )
    port = free_port()
    handler = partial(SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()


def test_sentry_browser_reports_to_warroom_through_cors(
    stack: Stack, page_server: str, database: str | None
) -> None:
    require_binary(CHROMIUM, "chromium")
    from playwright.sync_api import sync_playwright

    warroom = stack.warroom(database_url=database, extra=projects(page_server))
    warroom.wait_ready()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page()
            page.goto(f"{page_server}/index.html")
            flushed = page.evaluate(f"boot('http://{BROWSER_KEY}@{warroom.hostport}/52')", None)
            sent = page.evaluate("window.sent")
            refused = browser.new_page()
            refused.goto(f"{page_server}/index.html")
            refused.evaluate(f"boot('http://{CLOSED_KEY}@{warroom.hostport}/53')")
            refused_ids = refused.evaluate("window.sent")
        finally:
            browser.close()
    assert flushed is True
    (event_id,) = sent
    event = wait_event(stack, warroom, event_id)
    issue = warroom.get(f"/api/v1/errors/issues/{event['issue']}")
    assert issue["title"] == "Error: payment button has no handler"
    assert issue["culprit"].startswith("payButton")
    assert issue["project"] == "shop-web"
    # The project without the page's origin refused the browser (403 before anything is
    # kept), and says so in its counters.
    (refused_id,) = refused_ids
    assert warroom.client.get(f"/api/v1/errors/events/{refused_id}").status_code == 404
    closed = warroom.get("/api/v1/projects/back-office")
    assert closed["intake"].get("origin_not_allowed", 0) >= 1
    assert closed["intake"].get("accepted", 0) == 0
