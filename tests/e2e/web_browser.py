"""What the browser tests of the web app share: the Chromium they drive, signing in as the
admin warroom printed on first start, and where screenshots for docs/web.md go."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.e2e.stack import Warroom

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "web"
PASSWORD_LINE = re.compile(r"as admin with the password (\S+)")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def admin_password(warroom: Warroom) -> str:
    warroom.wait_ready()
    found = PASSWORD_LINE.search(warroom.process.stdout())
    assert found, warroom.process.tail()
    return found.group(1)


def sign_in(page: Any, url: str, username: str, password: str) -> None:
    page.goto(f"{url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(f"{url}/incidents")


def shoot(page: Any, name: str) -> None:
    """A screenshot of the viewport for docs/web.md (``docs/web/NAME.png``)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))
