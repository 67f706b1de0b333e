"""SLOs in a real Chromium against ``warroom serve``: with an hour of crashing sessions in
its database, /slos lists the budget and burn, and /slos/{name} draws its two uPlot charts
with no serious accessibility violation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

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
from tests.errors.support import PROJECT_ID, projects
from warroom.db.engine import make_engine, make_session_factory
from warroom.errors.health_models import SessionMinute

pytestmark = pytest.mark.slow

SLO = {
    "name": "api-crash-free",
    "service": "payments-api",
    "target": 0.99,
    "indicator": {"kind": "sessions", "project": "api"},
}


def _crashes(database: Path) -> None:
    """An hour in which 5 of every 100 sessions crashed (burn rate 5 on a 1% budget)."""
    engine = make_engine(f"sqlite:///{database}")
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    try:
        with make_session_factory(engine)() as session:
            for minute in range(1, 61):
                session.add(
                    SessionMinute(
                        project_id=PROJECT_ID,
                        release="api@1",
                        environment="production",
                        minute=now - timedelta(minutes=minute),
                        started=100,
                        crashed=5,
                    )
                )
            session.commit()
    finally:
        engine.dispose()


@pytest.mark.usefixtures("node_clients")
def test_the_slo_pages_show_the_budget_and_draw_the_charts(stack: Stack) -> None:
    from playwright.sync_api import sync_playwright

    require_binary(CHROMIUM, "chromium")
    doc: dict[str, Any] = {}
    projects(doc)
    database = Path(stack.workdir) / "warroom" / "warroom.db"
    warroom = stack.warroom(
        database_url=f"sqlite:///{database}", extra={"projects": doc["projects"], "slos": [SLO]}
    )
    password = admin_password(warroom)
    _crashes(database)
    (listed,) = warroom.get("/api/v1/slos")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            sign_in(page, warroom.url, "admin", password)
            page.click("nav >> text=SLOs")
            page.wait_for_url(f"{warroom.url}/slos")
            row = page.locator("#slos tbody tr", has=page.locator("a:text-is('api-crash-free')"))
            cells = row.locator("td").all_inner_texts()
            assert cells[:4] == ["payments-api", "payments", "99%", "30d"]
            assert cells[4] == f"{listed['budget_remaining'] * 100:.1f}%"
            assert cells[6] == "ticket 1d/2h, ticket 3d/6h"

            page.click("text=api-crash-free")
            page.wait_for_url(f"{warroom.url}/slos/api-crash-free")
            for chart in ("#budget-chart", "#burn-chart"):
                page.wait_for_selector(f"{chart}[data-drawn=true] canvas")
                box = page.locator(f"{chart} canvas").bounding_box()
                assert box is not None and box["width"] > 200 and box["height"] > 100
            states = page.locator("#rules tbody td:last-child").all_inner_texts()
            assert states == ["ok", "ok", "firing", "firing"]
            assert (
                accessibility(browser, warroom.url, password, ["/slos", "/slos/api-crash-free"])
                == {}
            )
        finally:
            browser.close()
