"""The postmortem editor and the action-item page in a real Chromium against ``warroom
serve``: a responder writes the draft, previews text that carries a script (it shows as
text and never runs), saves a revision, reads the diff, adds a factor and an action item,
publishes, and the incident then closes; on /actions the item is marked done and reopened."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.processes import require_binary
from tests.e2e.stack import Stack, Warroom
from tests.e2e.web_browser import CHROMIUM, CHROMIUM_FLAGS, DESKTOP, admin_password, sign_in

pytestmark = pytest.mark.slow
PM = "/incidents/INC-1/postmortem"
SCRIPT = "<script>window.__ran = true</script><img src=x onerror='window.__ran = true'>"


def test_a_postmortem_is_written_previewed_saved_diffed_and_published_in_a_browser(
    stack: Stack,
) -> None:
    from playwright.sync_api import sync_playwright

    require_binary(CHROMIUM, "chromium")
    warroom = stack.warroom()
    password = admin_password(warroom)
    declared = warroom.client.post(
        "/api/v1/incidents",
        json={"title": "PSP pool exhausted", "team": "checkout", "summary": "checkout fails"},
    )
    assert declared.status_code == 201, declared.text
    resolved = warroom.client.post("/api/v1/incidents/INC-1/actions/resolve", json={})
    assert resolved.status_code == 200, resolved.text

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_context(viewport=DESKTOP).new_page()
            sign_in(page, warroom.url, "admin", password)
            write_preview_and_save(page, warroom)
            add_factor_item_and_publish(page, warroom)
            mark_the_item_done_and_reopen_it(page, warroom)
        finally:
            browser.close()


def write_preview_and_save(page: Any, warroom: Warroom) -> None:
    page.goto(f"{warroom.url}{PM}")
    if page.locator("text=Write the draft from the incident").count():
        page.click("text=Write the draft from the incident")
    page.click("a:text-is('Edit')")
    page.wait_for_url(f"{warroom.url}{PM}/edit")

    page.fill("#pm-summary", f"Checkout failed. {SCRIPT} **Pool** of five.")
    page.fill("#why-1", "Why did checkout fail?")
    page.fill("#because-1", "The PSP connection pool was exhausted.")
    page.click("button:text-is('Preview')")
    page.wait_for_selector("#preview strong:text-is('Pool')")
    preview = page.locator("#preview").inner_text()
    assert "<script>window.__ran = true</script>" in preview  # shown as text
    assert page.evaluate("window.__ran === undefined")
    assert page.locator("#preview script, #preview img[onerror]").count() == 0

    page.fill("#pm-note", "first pass")
    page.click("button:text-is('Save revision')")
    page.wait_for_url(f"{warroom.url}{PM}")
    assert page.evaluate("window.__ran === undefined")
    saved = warroom.get(f"/api/v1{PM}")
    assert saved["revision"] == 2
    assert saved["content"]["five_whys"][0]["because"] == ("The PSP connection pool was exhausted.")

    page.goto(f"{warroom.url}{PM}/revisions?from=1&to=2")
    diff = page.locator("body").inner_text()
    assert "The PSP connection pool was exhausted." in diff


def add_factor_item_and_publish(page: Any, warroom: Warroom) -> None:
    page.goto(f"{warroom.url}{PM}")
    page.select_option("#factor-category", "capacity")
    page.fill("#factor-description", "A pool of five connections")
    page.fill("#factor-tags", "db-pool")
    page.click("button:text-is('Add factor')")
    page.wait_for_selector("text=A pool of five connections")
    page.fill("#item-title", "Alert when the PSP pool is 80% used for 5 minutes")
    page.select_option("#item-kind", "detect")
    page.fill("#item-owner", "admin")
    page.fill("#item-due", "2027-01-15")
    page.click("button:text-is('Add action item')")
    page.wait_for_selector("text=Alert when the PSP pool is 80% used for 5 minutes")

    page.click("button:text-is('Publish')")
    page.wait_for_selector("button:text-is('Unpublish')")
    assert warroom.get(f"/api/v1{PM}")["status"] == "published"
    closed = warroom.client.post("/api/v1/incidents/INC-1/actions/close", json={})
    assert closed.status_code == 200, closed.text


def mark_the_item_done_and_reopen_it(page: Any, warroom: Warroom) -> None:
    page.goto(f"{warroom.url}/actions?team=checkout")
    [item] = warroom.get("/api/v1/action-items")
    row = page.locator(f"#item-{item['id']}")
    assert "Alert when the PSP pool" in row.inner_text()
    row.locator("button", has_text="Done").click()
    page.wait_for_url(f"{warroom.url}/actions?team=checkout")
    # the list shows open items by default: the done one has left it
    assert page.locator(f"#item-{item['id']}").count() == 0
    assert warroom.get(f"/api/v1/action-items/{item['id']}")["status"] == "done"
    page.select_option("select[name=status]", "done")
    page.click("form.filters button[type=submit]")
    page.wait_for_selector(f"#item-{item['id']} .status-done")
    page.locator(f"#item-{item['id']} button", has_text="Reopen").click()
    page.wait_for_url(f"{warroom.url}/actions?team=checkout")
    page.wait_for_selector(f"#item-{item['id']} .status-open")
    assert warroom.get(f"/api/v1/action-items/{item['id']}")["status"] == "open"
