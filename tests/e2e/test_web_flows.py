"""The web app's remaining "done when" flows in a real Chromium against ``warroom serve``
started as ``make run`` starts it: a public update reaches the status page and its Atom
feed (the internal note beside it reaches neither), an alert is silenced from its labels
after a preview, and an error sent by the real sentry-sdk is resolved from its issue page.
Each flow also takes the screenshots of docs/web.md."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.alerts.support import am_alert, am_notification
from tests.e2e import axe
from tests.e2e.processes import require_binary
from tests.e2e.stack import Stack, Warroom
from tests.e2e.web_browser import CHROMIUM, CHROMIUM_FLAGS, DESKTOP, admin_password, shoot, sign_in

pytestmark = pytest.mark.slow
ROOT = Path(__file__).parents[2]
ATOM = "{http://www.w3.org/2005/Atom}"
STATUS_PAGE = {
    "status_pages": [
        {
            "slug": "shop",
            "title": "Shop status",
            "description": "Can customers buy things?",
            "components": [
                {"service": "checkout-api", "name": "Checkout", "group": "Shopping"},
                {"service": "payments-api", "name": "Card payments", "group": "Shopping"},
            ],
        }
    ]
}
SENTRY_KEY = "e2e0web0flows0sentry0key0123456a"
PROJECT_ID = 7
PROJECTS = {
    "projects": [
        {
            "slug": "shop",
            "id": PROJECT_ID,
            "team": "payments",
            "platform": "python",
            "keys": [{"public_key": SENTRY_KEY}],
        }
    ]
}
APP_SECONDS = 60


@contextmanager
def desktop(warroom: Warroom, bypass_csp: bool = False) -> Iterator[Any]:
    """A page of a desktop-sized Chromium, signed in as the admin (``bypass_csp``: without
    the pages' Content-Security-Policy, so that only escaping stands between user text and
    the page)."""
    from playwright.sync_api import sync_playwright

    require_binary(CHROMIUM, "chromium")
    password = admin_password(warroom)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            context = browser.new_context(viewport=DESKTOP, bypass_csp=bypass_csp)
            page = context.new_page()
            sign_in(page, warroom.url, "admin", password)
            yield page
        finally:
            browser.close()


def accessibility_problems(page: Any, url: str, paths: list[str]) -> dict[str, list[str]]:
    """axe-core's serious and critical violations on pages with path parameters (which
    tests/e2e/test_web_app.py's walk of the route table cannot open), in a second context
    with the same session and without CSP (axe is injected)."""
    context = page.context.browser.new_context(viewport=DESKTOP, bypass_csp=True)
    try:
        context.add_cookies(page.context.cookies())
        checker = context.new_page()
        found: dict[str, list[str]] = {}
        for path in paths:
            checker.goto(f"{url}{path}")
            problems = axe.violations(checker)
            if problems:
                found[path] = problems
        return found
    finally:
        context.close()


def feed_entries(warroom: Warroom) -> list[dict[str, str]]:
    """The status page's Atom feed, parsed: each entry's title and text."""
    answer = httpx.get(f"{warroom.url}/status/shop/feed.atom", timeout=10)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/atom+xml; charset=utf-8"
    root = ET.fromstring(answer.content)
    assert root.tag == f"{ATOM}feed"
    return [
        {
            "title": entry.findtext(f"{ATOM}title") or "",
            "text": entry.findtext(f"{ATOM}content") or "",
        }
        for entry in root.iter(f"{ATOM}entry")
    ]


def test_a_public_update_reaches_the_status_page_and_its_feed(stack: Stack) -> None:
    warroom = stack.warroom(extra=STATUS_PAGE)
    warroom.wait_ready()
    declared = warroom.client.post(
        "/api/v1/incidents",
        json={
            "title": "checkout-api pods OOMKilled",
            "team": "checkout",
            "severity": "SEV2",
            "services": ["checkout-api"],
        },
    )
    assert declared.status_code == 201, declared.text
    ref = declared.json()["ref"]
    public = "Some customers cannot complete checkout. We are rolling back a change."
    internal = "Pod checkout-api-7f9 OOMKilled after the v42 deploy; paging Dana."

    with desktop(warroom) as page:
        shoot(page, "incidents-list")
        page.goto(f"{warroom.url}/incidents/{ref}")
        page.fill("#note-text", internal)
        page.click("#note-form button[type=submit]")
        page.wait_for_selector(f"#timeline-list >> text={internal}")
        page.fill("#update-text", public)
        page.check("#update-form input[name=audience][value=public]")
        page.fill("#update-public-title", "Checkout failures")
        page.click("#update-form button[type=submit]")
        page.wait_for_selector(f"article.update:has-text('{public}')")

        page.goto(f"{warroom.url}/status/shop")
        status_page = page.content()
        assert page.locator(f"text={public}").count() == 1
        assert "Checkout failures" in status_page
        assert internal not in status_page
        assert "OOMKilled" not in status_page  # neither the internal note nor the title
        shoot(page, "status-page")
        paths = ["/status/shop", f"/incidents/{ref}"]
        assert accessibility_problems(page, warroom.url, paths) == {}

    entries = feed_entries(warroom)
    assert [e["text"] for e in entries] == [public]
    assert entries[0]["title"].startswith("Checkout failures: ")
    feed = httpx.get(f"{warroom.url}/status/shop/feed.atom", timeout=10).text
    assert internal not in feed
    assert "OOMKilled" not in feed
    updates = warroom.get(f"/api/v1/incidents/{ref}/updates")
    audiences = [(u["audience"], u["text"]) for u in updates]
    assert audiences == [("public", public)]


def send_alert(warroom: Warroom, **labels: str) -> None:
    body = am_notification(am_alert("DiskFull", **labels), group_key="{}:{disk}")
    answer = httpx.post(f"{warroom.url}/ingest/alertmanager/{warroom.am_key}", json=body)
    assert answer.status_code == 200, answer.text


def test_an_alert_is_silenced_from_its_labels(stack: Stack) -> None:
    warroom = stack.warroom()
    warroom.wait_ready()
    send_alert(warroom, service="postgres-primary", instance="db-1", env="production")
    send_alert(warroom, service="postgres-primary", instance="db-2", env="production")

    def both() -> list[dict[str, Any]] | None:
        found = warroom.alerts()
        return found if len(found) == 2 else None

    alerts = stack.wait(both, "two alerts")
    ids = {a["labels"]["instance"]: a["id"] for a in alerts}

    with desktop(warroom) as page:
        page.goto(f"{warroom.url}/alerts")
        shoot(page, "alerts-list")
        page.goto(f"{warroom.url}/alerts/{ids['db-1']}")
        shoot(page, "alert-detail")
        page.click("text=Silence alerts like this")
        page.wait_for_url(re.compile(rf".*/alerts/silences/new\?alert={ids['db-1']}$"))
        typed = page.input_value("#matchers").splitlines()
        assert typed == [
            'alertname="DiskFull"',
            'env="production"',
            'instance="db-1"',
            'service="postgres-primary"',
        ]
        preview = page.locator("#silence-preview tr[data-alert-id]")
        assert [preview.nth(i).get_attribute("data-alert-id") for i in range(preview.count())] == [
            str(ids["db-1"])
        ]
        # Widen it to both disks: the preview follows as the matchers are edited (htmx).
        page.fill("#matchers", 'alertname="DiskFull"\ninstance=~"db-.*"')
        page.wait_for_selector("#silence-preview >> text=2 open alerts would be silenced")
        shoot(page, "silence-new")
        shown = page.locator("#silence-preview tr[data-alert-id]")
        assert sorted(shown.nth(i).get_attribute("data-alert-id") for i in range(2)) == sorted(
            [str(ids["db-1"]), str(ids["db-2"])]
        )
        page.fill("#silence-form input[name=comment]", "replacing both disks tonight")
        page.click("#silence-form button[value=create]")
        page.wait_for_url(re.compile(r".*/alerts/silences#silence-\d+$"))
        row = page.locator("tr:has-text('replacing both disks tonight')")
        assert row.count() == 1
        assert 'instance=~"db-.*"' in row.inner_text()
        shoot(page, "silences")

        silences = warroom.get("/api/v1/silences")
        assert [(s["matchers"], s["comment"]) for s in silences] == [
            (['alertname="DiskFull"', 'instance=~"db-.*"'], "replacing both disks tonight")
        ]
        # A third disk fills up: the silence mutes it, and it starts nothing (the two
        # alerts before it had already started their incident: a silence does not stop it).
        send_alert(warroom, service="postgres-primary", instance="db-3", env="production")

        def third() -> dict[str, Any] | None:
            found = [a for a in warroom.alerts() if a["labels"]["instance"] == "db-3"]
            return found[0] if found and found[0]["muted_by"] else None

        muted = stack.wait(third, "db-3 muted by the silence")
        reason = f"silence {silences[0]['id']}: replacing both disks tonight"
        assert muted["muted_by"] == reason
        assert muted["incident"] is None
        page.goto(f"{warroom.url}/alerts/{muted['id']}")
        assert page.locator(".chip:text-is('muted')").count() == 1
        assert page.locator("dt:text-is('Muted by') + dd").inner_text() == reason
        paths = [f"/alerts/{muted['id']}", f"/alerts/silences/new?alert={ids['db-1']}"]
        assert accessibility_problems(page, warroom.url, paths) == {}


def send_error(warroom: Warroom) -> str:
    """One error from the real sentry-sdk, run as its own process; the event id it got."""
    dsn = f"http://{SENTRY_KEY}@{warroom.hostport}/{PROJECT_ID}"
    done = subprocess.run(
        [sys.executable, "-m", "tests.e2e.clients.python_app", dsn, "error", "shop@2.0.0", "prod"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=APP_SECONDS,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    (event_id,) = json.loads(done.stdout.strip().splitlines()[-1])["events"]
    return str(event_id)


def test_an_error_issue_is_resolved_in_the_browser(stack: Stack) -> None:
    warroom = stack.warroom(extra=PROJECTS)
    warroom.wait_ready()
    event_id = send_error(warroom)

    def stored() -> dict[str, Any] | None:
        answer = warroom.client.get(f"/api/v1/errors/events/{event_id}")
        return answer.json() if answer.status_code == 200 else None

    event = stack.wait(stored, f"event {event_id}")
    (issue,) = warroom.get("/api/v1/errors/issues", project="shop")["items"]
    assert issue["status"] == "unresolved"
    assert event["issue"] == issue["short_id"]

    with desktop(warroom) as page:
        page.goto(f"{warroom.url}/errors?project=shop")
        page.click(f"text={issue['short_id']}")
        page.wait_for_selector("#issue-status")
        assert page.inner_text("h1.issue-title") == issue["title"]
        assert page.inner_text("#issue-status") == "unresolved"
        shoot(page, "error-issue")
        page.click("button:text-is('Resolve now')")
        page.wait_for_selector("#issue-status:text-is('resolved')")
        assert page.locator("button:text-is('Unresolve')").count() == 1

        resolved = warroom.get(f"/api/v1/errors/issues/{issue['short_id']}")
        assert resolved["status"] == "resolved"
        assert resolved["resolved_at"] is not None
        (entry,) = [
            e
            for e in warroom.get("/api/v1/audit", object_type="error_issue")["items"]
            if e["after"] and e["after"].get("status") == "resolved"
        ]
        assert (entry["actor"], entry["actor_via"]) == ("admin", "session")
        paths = [f"/errors/issues/{issue['short_id']}", "/errors?project=shop"]
        assert accessibility_problems(page, warroom.url, paths) == {}

        # The other pages of docs/web.md, with what this run made.
        for path, name in (
            ("/oncall", "oncall"),
            ("/deliveries", "deliveries"),
            ("/config", "config"),
            ("/audit", "audit"),
        ):
            page.goto(f"{warroom.url}{path}")
            assert page.locator("h1").count() >= 1
            shoot(page, name)


HOSTILE = '<script>window.pwned = 1</script><img src="x" onerror="window.pwned = 2">'
SEND_MESSAGE = """
import sys, sentry_sdk
sentry_sdk.init(dsn=sys.argv[1])
print(sentry_sdk.capture_message(sys.argv[2], level="error"))
sentry_sdk.flush(timeout=20)
"""


def test_user_text_never_runs_as_script(stack: Stack) -> None:
    """``<script>`` and an ``onerror`` handler through an alert label, an error message (the
    real sentry-sdk), an incident title and a note: shown as text on every page, never run,
    even with the Content-Security-Policy turned off in the browser."""
    warroom = stack.warroom(extra=PROJECTS)
    warroom.wait_ready()
    send_alert(warroom, service="postgres-primary", instance="db-1", note=HOSTILE)
    dsn = f"http://{SENTRY_KEY}@{warroom.hostport}/{PROJECT_ID}"
    sent = subprocess.run(
        [sys.executable, "-c", SEND_MESSAGE, dsn, HOSTILE],
        capture_output=True,
        text=True,
        timeout=APP_SECONDS,
        check=True,
    )
    event_id = sent.stdout.strip().splitlines()[-1]
    declared = warroom.client.post("/api/v1/incidents", json={"title": HOSTILE, "team": "checkout"})
    assert declared.status_code == 201, declared.text
    ref = declared.json()["ref"]
    noted = warroom.client.post(f"/api/v1/incidents/{ref}/notes", json={"text": HOSTILE})
    assert noted.status_code == 201, noted.text

    def stored() -> dict[str, Any] | None:
        answer = warroom.client.get(f"/api/v1/errors/events/{event_id}")
        return answer.json() if answer.status_code == 200 else None

    issue = stack.wait(stored, f"event {event_id}")["issue"]
    (alert,) = warroom.alerts()
    dialogs: list[str] = []
    with desktop(warroom, bypass_csp=True) as page:
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        for path in (
            "/alerts",
            f"/alerts/{alert['id']}",
            "/errors?project=shop",
            f"/errors/issues/{issue}",
            "/incidents",
            f"/incidents/{ref}",
        ):
            page.goto(f"{warroom.url}{path}")
            page.wait_for_load_state("load")
            assert page.locator(f"text={HOSTILE}").count() >= 1, path
            assert page.locator("img[src=x]").count() == 0, path
            assert page.evaluate("typeof window.pwned") == "undefined", path
    assert dialogs == []
