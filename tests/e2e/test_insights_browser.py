"""Insights in a real Chromium against ``warroom serve``: with 200 generated incidents in its
database, /insights draws its charts (uPlot canvases) and its tables show the API's figures;
the page has no serious accessibility violation, on a desktop and a phone."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.e2e.processes import require_binary
from tests.e2e.stack import Stack
from tests.e2e.test_oncall_browser import accessibility
from tests.e2e.test_web_app import (  # node_clients: the fixture that installs axe-core
    CHROMIUM,
    CHROMIUM_FLAGS,
    admin_password,
    node_clients,  # noqa: F401
    sign_in,
)
from tests.learn.insights.history import generate, write
from warroom.db.engine import make_engine

pytestmark = pytest.mark.slow


def _minutes(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds / 60:.1f}"


@pytest.mark.usefixtures("node_clients")
def test_the_insights_page_draws_its_charts_and_shows_the_figures(stack: Stack) -> None:
    from playwright.sync_api import sync_playwright

    require_binary(CHROMIUM, "chromium")
    database = Path(stack.workdir) / "warroom" / "warroom.db"
    warroom = stack.warroom(database_url=f"sqlite:///{database}")
    password = admin_password(warroom)
    engine = make_engine(f"sqlite:///{database}")
    try:
        write(engine, generate(datetime.now(UTC).replace(microsecond=0)))
    finally:
        engine.dispose()
    figures = warroom.get("/api/v1/insights/durations", group_by="team")
    detection = warroom.get("/api/v1/insights/detection")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            sign_in(page, warroom.url, "admin", password)
            page.click("nav >> text=Insights")
            page.wait_for_url(f"{warroom.url}/insights")
            page.wait_for_selector("#trend-chart[data-drawn=true] canvas")
            assert page.locator("#trend-chart .u-legend").inner_text().count("Incidents") == 1
            box = page.locator("#trend-chart canvas").bounding_box()
            assert box is not None and box["width"] > 200 and box["height"] > 100

            for group in [*figures["groups"], figures["overall"]]:
                row = page.locator(
                    "#durations tbody tr", has=page.locator(f"th:text-is('{group['key']}')")
                )
                cells = row.locator("td").all_inner_texts()
                expected = [str(group["incidents"])]
                for metric in ("ttd", "tta", "ttm", "ttr"):
                    summary = group["metrics"][metric]
                    expected += [_minutes(summary["median"]), _minutes(summary["p90"])]
                assert cells == expected, group["key"]
            assert page.locator("#detection-summary").inner_text() == (
                f"{detection['found_by_humans']} of {detection['incidents']} incidents "
                f"({round(100 * detection['human_share'])}%) were found by people or customers "
                "rather than by a signal."
            )

            page.select_option("select[name=group_by]", "severity")
            page.click("form.filters button[type=submit]")
            page.wait_for_selector("#trend-chart[data-drawn=true] canvas")
            by_severity = warroom.get("/api/v1/insights/durations", group_by="severity")
            keys = page.locator("#durations tbody th").all_inner_texts()
            assert keys == [g["key"] for g in by_severity["groups"]] + ["all"]

            found = accessibility(browser, warroom.url, password, ["/insights"])
            assert found == {}
        finally:
            browser.close()
