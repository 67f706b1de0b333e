"""The config page: a read-only view of teams, services, severities and routing, with the
warnings ``warroom config check`` prints."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from tests.alerts.support import custom_app
from tests.support.api import Harness
from tests.support.web import web_user
from warroom.auth.models import UserRole
from warroom.config import config_warnings
from warroom.schedules.gaps import schedule_gap_warnings


def test_a_viewer_reads_teams_services_severities_and_routing(api: Harness) -> None:
    vera = web_user(api, "vera", UserRole.VIEWER)
    page = vera.get("/config")
    assert page.status_code == 200
    text = page.text
    for expected in (
        '<tr id="team-payments">',
        "payments@example.com",
        '<tr id="service-checkout-api">',
        '<a href="#team-checkout">checkout</a>',
        "payments-api",  # checkout-api depends on it
        '<span class="sev sev-sev1">SEV1</span>',
        "<strong>noisy-warnings</strong>",
        "3 occurrences within 10m<",
        "firing for 15m<",
        '<code class="matcher">alertname=&#34;DatacenterDown&#34;</code>',
        "datacenter",
        "(?P&lt;team&gt;[a-z-]+)",
        "4 teams, 5 services, ",
    ):
        assert expected in text, expected
    assert "<form" not in text.replace('<form class="who" method="post" action="/logout">', "")


def test_the_check_shows_what_config_check_warns(api: Harness) -> None:
    config = api.live_config.current
    expected = config_warnings(config) + schedule_gap_warnings(config, api.clock())
    assert "team 'platform' has no contacts: nobody can be notified" in expected
    page = web_user(api, "rita").get("/config").text
    for warning in expected:
        assert f"<li>{warning}</li>".replace("'", "&#39;") in page
    assert f"{len(expected)} warnings" in page


def test_a_config_without_warnings_says_ok(engine: Engine, tmp_path: Path) -> None:
    def reachable(doc: dict[str, object]) -> None:
        teams = doc["teams"]
        assert isinstance(teams, list)
        for team in teams:
            team["contacts"] = [{"kind": "email", "target": f"{team['slug']}@example.com"}]

    with custom_app(engine, tmp_path, reachable) as harness:
        assert config_warnings(harness.live_config.current) == []
        page = web_user(harness, "rita").get("/config").text
        assert "OK: no warnings." in page
