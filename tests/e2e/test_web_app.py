"""The web app in a real Chromium against ``warroom serve`` started as ``make run`` starts
it: sign-in with a password and with OpenID Connect (the real ``oidc-provider`` on
loopback), declaring an incident, a second browser seeing the timeline live, and
acknowledging from a phone-sized page. Screenshots go to docs/web/ for docs/web.md."""

from __future__ import annotations

import json
import re
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e import axe
from tests.e2e.processes import IN_CI, Process, require_binary, start, wait_until
from tests.e2e.stack import Stack, Warroom
from tests.e2e.web_browser import (
    CHROMIUM,
    CHROMIUM_FLAGS,
    PHONE,
    SHOTS,
    admin_password,
    sign_in,
)
from tests.support.postgres import free_port

pytestmark = pytest.mark.slow
CLIENTS = Path(__file__).parent / "clients" / "node"
LIVE_SECONDS = 5.0


@pytest.fixture(scope="module")
def node_clients() -> Path:
    require_binary("/usr/bin/node", "nodejs")
    if not (CLIENTS / "node_modules" / "oidc-provider").exists():
        npm = shutil.which("npm")
        if npm is None:
            message = "npm is missing: it installs oidc-provider"
            pytest.fail(message) if IN_CI else pytest.skip(message)
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=CLIENTS,
            check=True,
            timeout=300,
        )
    return CLIENTS


@pytest.fixture
def provider(node_clients: Path, tmp_path: Path) -> Iterator[dict[str, Any]]:
    port, warroom_port = free_port(), free_port()
    secret = secrets.token_urlsafe(24)
    accounts = {
        "olga": {"name": "Olga Okafor", "groups": ["sre-checkout"]},
        "victor": {"name": "Victor Viewer", "groups": ["readers"]},
        "mallory": {"name": "Mallory Contractor", "groups": ["contractors"]},
    }
    env = {
        "PORT": str(port),
        "CLIENT_SECRET": secret,
        "REDIRECT_URI": f"http://127.0.0.1:{warroom_port}/login/oidc/callback",
        "ACCOUNTS": json.dumps(accounts),
    }
    process: Process = start(
        "oidc-provider", ["/usr/bin/node", str(node_clients / "oidc_provider.mjs")], tmp_path, env
    )
    try:
        wait_until(lambda: "listening" in process.stdout(), "oidc-provider up", 30, process.tail)
        yield {"issuer": f"http://127.0.0.1:{port}", "secret": secret, "port": warroom_port}
    finally:
        process.stop()


def sso_config(issuer: str) -> dict[str, Any]:
    return {
        "sso": {
            "name": "Acme SSO",
            "issuer": issuer,
            "client_id": "warroom",
            "scopes": ["openid", "profile", "email", "groups"],
            "groups": [
                {"group": "sre-checkout", "teams": ["checkout"], "role": "responder"},
                {"group": "readers", "role": "viewer"},
            ],
            "allow_unmapped": False,
        }
    }


def sso_sign_in(page: Any, url: str, login: str) -> None:
    page.goto(f"{url}/login")
    page.click("text=Sign in with Acme SSO")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", "any")
    page.click("button[type=submit]")
    page.click("button[type=submit]")  # the provider's consent page: Continue
    page.wait_for_url(f"{url}/incidents")


def assert_a_viewer_can_only_look(browser: Any, url: str) -> None:
    """A viewer (through the provider) sees no action button; posting an action form
    anyway (resolve), with a valid CSRF token, is refused with 403 and changes nothing."""
    reader = browser.new_context().new_page()
    sso_sign_in(reader, url, "victor")
    reader.goto(f"{url}/incidents/INC-1")
    assert reader.locator("button[data-action]").count() == 0
    token = json.loads(reader.locator("body").get_attribute("hx-headers"))["X-CSRF-Token"]
    before = reader.inner_text("#incident-status")
    answer = reader.request.post(
        f"{url}/incidents/INC-1/actions/resolve",
        form={"csrf_token": token},
        max_redirects=0,
    )
    assert answer.status == 403
    reader.reload()
    assert reader.inner_text("#incident-status") == before


def assert_sign_ins_audited(browser: Any, warroom: Warroom) -> None:
    """Each sign-in, with a password or through the provider, is in the audit log; so is
    one the provider vouched for but warroom refused (in no group that may sign in)."""
    refused = browser.new_context().new_page()
    refused.goto(f"{warroom.url}/login")
    refused.click("text=Sign in with Acme SSO")
    refused.fill("input[name=login]", "mallory")
    refused.fill("input[name=password]", "any")
    refused.click("button[type=submit]")
    with refused.expect_response(lambda r: "/login/oidc/callback" in r.url) as callback:
        refused.click("button[type=submit]")
    assert callback.value.status == 403
    failed = warroom.get("/api/v1/audit", action="sign_in_failed")["items"]
    assert [(e["actor"], e["after"], e["address"]) for e in failed] == [
        (
            "mallory",
            {"method": "oidc", "reason": "mallory is in none of the groups that may sign in"},
            "127.0.0.1",
        )
    ]
    signed_in = warroom.get("/api/v1/audit", action="sign_in")["items"]
    assert sorted(
        (e["actor"], e["after"]["method"], e["actor_via"], e["address"]) for e in signed_in
    ) == [
        ("admin", "password", "session", "127.0.0.1"),
        ("olga", "oidc", "session", "127.0.0.1"),
        ("victor", "oidc", "session", "127.0.0.1"),
    ]


def test_the_war_room_in_a_browser(
    stack: Stack, provider: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from playwright.sync_api import sync_playwright

    require_binary(CHROMIUM, "chromium")
    monkeypatch.setenv("WARROOM_OIDC_CLIENT_SECRET", provider["secret"])
    warroom = stack.warroom(extra=sso_config(provider["issuer"]), port=provider["port"])
    url = warroom.url
    password = admin_password(warroom)
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            desk = browser.new_context(viewport={"width": 1280, "height": 900})
            page = desk.new_page()
            sign_in(page, url, "admin", password)
            page.screenshot(path=str(SHOTS / "incidents-empty.png"))
            page.fill("#declare input[name=title]", "Checkout returns 503")
            page.select_option("#declare select[name=team]", "checkout")
            page.click("#declare button[type=submit]")
            page.wait_for_url(re.compile(r".*/incidents/INC-1$"))

            phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
            responder = phone.new_page()
            sso_sign_in(responder, url, "olga")
            responder.goto(f"{url}/incidents/INC-1")
            page.wait_for_timeout(500)  # the live stream connects

            started = time.monotonic()
            page.fill("#note-text", "Rolled back checkout-api to v41")
            page.click("#note-form button[type=submit]")
            responder.wait_for_selector(
                "text=Rolled back checkout-api to v41", timeout=LIVE_SECONDS * 1000
            )
            live = time.monotonic() - started
            assert live < LIVE_SECONDS

            responder.screenshot(path=str(SHOTS / "incident-phone.png"))
            responder.click("button[data-action=acknowledge]")
            responder.wait_for_selector("#incident-status:has-text('acknowledged')")
            responder.click("text=Take lead")
            responder.wait_for_selector(".people li:has-text('lead') strong:has-text('Olga')")
            page.wait_for_selector("#incident-status:has-text('acknowledged')", timeout=5000)
            page.screenshot(path=str(SHOTS / "incident-desktop.png"), full_page=True)

            incident = warroom.get("/api/v1/incidents/INC-1")
            assert incident["status"] == "acknowledged"
            assert incident["roles"]["lead"]["username"] == "olga"
            assert incident["acknowledged_at"] is not None
            olga = [u for u in warroom.get("/api/v1/users") if u["username"] == "olga"]
            assert olga and olga[0]["role"] == "responder"

            assert_a_viewer_can_only_look(browser, url)
            assert_sign_ins_audited(browser, warroom)
        finally:
            browser.close()


def page_paths(url: str) -> list[str]:
    """Every page without path parameters (from the route table), and the incident page."""
    from tests.web.permission_matrix import rules
    from warroom.app import create_app
    from warroom.config import LiveConfig
    from warroom.db.engine import make_engine
    from warroom.db.migrate import upgrade
    from warroom.settings import Settings

    engine = make_engine("sqlite://")
    upgrade(engine)
    config = Path(__file__).resolve().parents[2] / "examples" / "warroom.yaml"
    app = create_app(Settings(), LiveConfig(config), engine=engine)
    paths = sorted(
        {
            r.path
            for r in rules(app)
            if r.kind == "page" and r.method == "GET" and "{" not in r.path and r.path != "/"
        }
    )
    engine.dispose()
    return [*paths, "/incidents/INC-1"]


def test_every_page_has_no_serious_accessibility_violation(
    stack: Stack, node_clients: Path
) -> None:
    from playwright.sync_api import sync_playwright

    require_binary(CHROMIUM, "chromium")
    warroom = stack.warroom()
    url = warroom.url
    password = admin_password(warroom)
    warroom.client.post(
        "/api/v1/incidents",
        json={"title": "Search is slow", "team": "checkout", "summary": "p99 over 2 s"},
    )
    found: dict[str, list[str]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            for viewport in ({"width": 1280, "height": 900}, PHONE):
                context = browser.new_context(viewport=viewport, bypass_csp=True)
                page = context.new_page()
                page.goto(f"{url}/login")
                login = axe.violations(page)
                if login:
                    found[f"/login at {viewport['width']}px"] = login
                sign_in(page, url, "admin", password)
                for path in page_paths(url):
                    page.goto(f"{url}{path}")
                    problems = axe.violations(page)
                    if problems:
                        found[f"{path} at {viewport['width']}px"] = problems
                context.close()
        finally:
            browser.close()
    assert found == {}
