"""On call in a real Chromium against ``warroom serve``: an admin creates an override by
dragging over the hours of a schedule's week, and the API then names the covering person;
the on-call pages have no serious accessibility violation, on a desktop and a phone."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.e2e import axe
from tests.e2e.processes import require_binary
from tests.e2e.stack import Stack
from tests.e2e.test_web_app import (  # node_clients: the fixture that installs axe-core
    CHROMIUM,
    CHROMIUM_FLAGS,
    PHONE,
    admin_password,
    node_clients,  # noqa: F401
    sign_in,
)

pytestmark = pytest.mark.slow
ZONE = "Europe/Prague"
ON_CALL = {
    "people": [
        {"username": "alice", "name": "Alice Novak", "timezone": ZONE},
        {"username": "bob", "name": "Bob Smith", "timezone": ZONE},
        {"username": "carol", "name": "Carol Lead", "timezone": "Europe/London"},
    ],
    "schedules": [
        {
            "slug": "checkout-primary",
            "name": "Checkout primary",
            "team": "checkout",
            "timezone": ZONE,
            "layers": [
                {"name": "weekly", "participants": ["alice", "bob"], "start": "2026-01-05T09:00"}
            ],
        }
    ],
    "escalation_policies": [
        {
            "slug": "checkout",
            "name": "Checkout",
            "steps": [{"notify_on_call": "checkout-primary"}, {"wait": "5m"}],
            "final": ["carol"],
        }
    ],
}


def on_call(warroom: Any, at: datetime) -> list[str]:
    entries = warroom.get("/api/v1/oncall", at=at.isoformat())
    return [
        p["username"] for e in entries if e["schedule"] == "checkout-primary" for p in e["on_call"]
    ]


def accessibility(browser: Any, url: str, password: str, paths: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for viewport in ({"width": 1280, "height": 900}, PHONE):
        page = browser.new_context(viewport=viewport, bypass_csp=True).new_page()
        sign_in(page, url, "admin", password)
        for path in paths:
            page.goto(f"{url}{path}")
            problems = axe.violations(page)
            if problems:
                found[f"{path} at {viewport['width']}px"] = problems
    return found


@pytest.mark.usefixtures("node_clients")
def test_an_override_made_by_dragging_over_the_week(stack: Stack) -> None:
    from playwright.sync_api import sync_playwright

    require_binary(CHROMIUM, "chromium")
    warroom = stack.warroom(extra=ON_CALL)
    url = warroom.url
    password = admin_password(warroom)
    zone = ZoneInfo(ZONE)
    today = datetime.now(UTC).astimezone(zone).date()
    monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
    tuesday_noon = datetime(monday.year, monday.month, monday.day, 12, tzinfo=zone) + timedelta(
        days=1
    )
    before = on_call(warroom, tuesday_noon)
    assert before in (["alice"], ["bob"])
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            sign_in(page, url, "admin", password)
            page.goto(f"{url}/oncall/schedules/checkout-primary?view=week&date={monday}")
            tuesday = page.locator(f'tbody.day[data-date="{monday + timedelta(days=1)}"]')
            wednesday = page.locator(f'tbody.day[data-date="{monday + timedelta(days=2)}"]')
            first = tuesday.locator('tr.row-final td[data-start$="T10:00"]').bounding_box()
            last = wednesday.locator('tr.row-final td[data-start$="T14:00"]').bounding_box()
            assert first is not None and last is not None
            page.mouse.move(first["x"] + 4, first["y"] + 4)
            page.mouse.down()
            page.mouse.move(last["x"] + 4, last["y"] + 4, steps=10)
            page.mouse.up()
            assert page.input_value("#override-start") == f"{monday + timedelta(days=1)}T10:00"
            assert page.input_value("#override-end") == f"{monday + timedelta(days=2)}T15:00"
            assert page.locator("td.sel").count() == 29 * 3  # 29 hours in each of the 3 rows
            page.select_option("#override-form select[name=user]", "carol")
            page.fill("#override-form input[name=reason]", "covering from the page")
            page.click("#override-form button[type=submit]")
            page.wait_for_url(re.compile(r".*/oncall/schedules/checkout-primary\?view=week.*"))
            page.wait_for_selector("#overrides td:has-text('covering from the page')")
            assert on_call(warroom, tuesday_noon) == ["carol"]
            assert on_call(warroom, tuesday_noon - timedelta(hours=3)) == before
            assert errors == []

            # Click the first hour, then the last: the same selection without dragging.
            thursday = page.locator(f'tbody.day[data-date="{monday + timedelta(days=3)}"]')
            thursday.locator('tr.row-final td[data-start$="T08:00"]').click()
            thursday.locator('tr.row-final td[data-start$="T11:00"]').click()
            assert page.input_value("#override-end") == f"{monday + timedelta(days=3)}T12:00"

            week = f"/oncall/schedules/checkout-primary?view=week&date={monday}"
            month = f"/oncall/schedules/checkout-primary?view=month&date={monday}"
            paths = ["/oncall", "/oncall/policies", week, month]
            assert accessibility(browser, url, password, paths) == {}
        finally:
            browser.close()
