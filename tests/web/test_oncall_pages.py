"""On call in the browser: who is on call now, a schedule's week and month, overrides made
from the page (team managers of the schedule's team only), the personal iCal link and the
escalation policies as steps."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import Engine

from tests.schedules.schedule_setup import CONFIG, schedule_app
from tests.support.api import Harness
from tests.support.web import Browser, web_user
from warroom.auth.models import UserRole

# The schedules of tests/schedules (the clock: Monday 2026-03-02 09:00 UTC, 10:00 in Prague;
# pay-primary: alice this week, bob from Monday 2026-03-09 09:00 Prague), with policies.
POLICIES = """
escalation_policies:
  - slug: payments
    name: Payments paging
    steps:
      - notify_on_call: pay-primary
      - notify_team_channel: true
      - wait: 5m
      - notify_on_call: pay-backup
      - wait: 10m
      - notify_users: [carol, dave]
    repeat: 2
    final: [dave]
    ack_timeout: 30m
"""
PAGE_CONFIG = (
    CONFIG.replace(
        "    contacts: [{kind: email, target: payments@example.com}]\n",
        "    contacts: [{kind: email, target: payments@example.com}]\n"
        "    escalation_policy: payments\n",
    )
    + POLICIES
)
SCHEDULE = "/oncall/schedules/pay-primary"
OVERRIDE_FORM = "/oncall/schedules/pay-primary/overrides"


@pytest.fixture
def api(engine: Engine, tmp_path: Path) -> Iterator[Harness]:
    with schedule_app(engine, tmp_path, config=PAGE_CONFIG) as harness:
        yield harness


def row_of(page: str, schedule: str) -> str:
    found = re.search(rf'<tr data-schedule="{schedule}">(.*?)</tr>', page, re.S)
    assert found is not None, f"no row for {schedule}"
    return found.group(1)


def cell_text(row: str, css: str) -> str:
    found = re.search(rf'<td class="{css}">(.*?)</td>', row, re.S)
    assert found is not None, css
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def on_call_at(api: Harness, schedule: str, at: str) -> list[str]:
    body = api.ok("GET", "/api/v1/oncall", params={"at": at})
    return [p["username"] for e in body if e["schedule"] == schedule for p in e["on_call"]]


def week_days(page: str) -> dict[str, str]:
    """Each day of the week grid: the labels of its final row, in hour order."""
    days: dict[str, str] = {}
    for date, body in re.findall(
        r'<tbody class="day[^"]*" data-date="([0-9-]+)">(.*?)</tbody>', page, re.S
    ):
        final = re.search(r'<tr class="row-final">(.*?)</tr>', body, re.S)
        assert final is not None
        labels = re.findall(r"<td [^>]*>([^<]*)</td>", final.group(1))
        days[date] = " ".join(label for label in labels if label)
    return days


def layer_row(page: str, date: str, kind: str) -> list[str]:
    body = re.search(rf'data-date="{date}">(.*?)</tbody>', page, re.S)
    assert body is not None
    row = re.search(rf'<tr class="row-{kind}">(.*?)</tr>', body.group(1), re.S)
    assert row is not None
    return [label for label in re.findall(r"<td [^>]*>([^<]*)</td>", row.group(1)) if label]


def manager(api: Harness, name: str, team: str) -> Browser:
    return web_user(api, name, UserRole.TEAM_MANAGER, teams=(team,))


def test_the_on_call_page_names_who_is_on_call_now_and_next(api: Harness) -> None:
    vera = web_user(api, "vera", UserRole.VIEWER)
    page = vera.get("/oncall")
    assert page.status_code == 200
    primary = row_of(page.text, "pay-primary")
    assert cell_text(primary, "on-call").startswith("Alice Novak")
    assert "mailto:alice@example.com" in primary and "U0ALICE01" in primary
    assert cell_text(primary, "until") == "Until Mon 9 Mar 09:00"
    assert cell_text(primary, "next") == "Next: Bob Smith Mon 9 Mar 09:00 → Mon 16 Mar 09:00"
    backup = row_of(page.text, "pay-backup")
    assert cell_text(backup, "on-call").startswith("Bob Smith")
    business = row_of(page.text, "pay-business")
    assert cell_text(business, "on-call") == "Carol Lead"
    assert cell_text(business, "until") == "Until Mon 2 Mar 17:00"
    assert cell_text(business, "next") == "Next: Carol Lead Tue 3 Mar 09:00 → Tue 3 Mar 17:00"
    # 04:00 in New York: carol's daily shift (09:00 hand-off) started on Sunday.
    checkout = row_of(page.text, "checkout")
    assert cell_text(checkout, "on-call") == "Carol Lead"
    assert cell_text(checkout, "next") == "Next: Dave Jones Mon 2 Mar 09:00 → Tue 3 Mar 09:00"
    assert "payments@example.com" in page.text
    assert 'href="/oncall/policies#policy-payments"' in page.text
    # A day later the page follows the clock: business hours are over in Prague at 18:00.
    api.clock.advance(hours=8)
    later = vera.get("/oncall").text
    assert "Nobody: a gap in the schedule" in row_of(later, "pay-business")


def test_the_week_shows_each_days_shifts_layers_and_overrides(api: Harness) -> None:
    vera = web_user(api, "vera", UserRole.VIEWER)
    page = vera.get(SCHEDULE, params={"view": "week", "date": "2026-03-04"})
    assert page.status_code == 200
    assert "Week of 2\N{EN DASH}8 March 2026" in page.text
    assert "Times are in <strong>Europe/Prague</strong>" in page.text
    days = week_days(page.text)
    assert list(days) == [f"2026-03-0{n}" for n in range(2, 9)]
    # The rotation starts on Monday at 09:00 with alice: nobody before it.
    assert days["2026-03-02"] == "Alice"
    assert 'title="08:00 · nobody on call"' in page.text
    assert all(days[f"2026-03-0{n}"] == "Alice" for n in range(3, 9))
    assert layer_row(page.text, "2026-03-02", "layer") == ["Alice"]
    assert layer_row(page.text, "2026-03-02", "overrides") == []
    following = vera.get(SCHEDULE, params={"view": "week", "date": "2026-03-09"})
    assert week_days(following.text)["2026-03-09"] == "Alice Bob"
    assert 'href="/oncall/schedules/pay-primary?view=week&amp;date=2026-03-02" rel="prev"' in (
        following.text
    )
    # Clocks jump from 02:00 to 03:00 in Prague on Sunday 29 March: that hour has no cell
    # to select, and the day still has its 24 columns.
    spring = vera.get(SCHEDULE, params={"view": "week", "date": "2026-03-29"}).text
    assert spring.count("02:00 does not exist on this day") == 3  # final, layer, overrides
    assert 'data-start="2026-03-29T02:00"' not in spring
    assert 'data-start="2026-03-29T03:00" data-end="2026-03-29T04:00"' in spring
    # An override shows in its own row and in the final row, marked as an override.
    api.ok(
        "POST",
        "/api/v1/schedules/pay-primary/overrides",
        json={"user": "carol", "start": "2026-03-03T11:00:00Z", "end": "2026-03-03T17:00:00Z"},
    )
    page = vera.get(SCHEDULE, params={"view": "week", "date": "2026-03-02"}).text
    assert week_days(page)["2026-03-03"] == "Alice Carol Alice"
    assert layer_row(page, "2026-03-03", "overrides") == ["Carol"]
    assert layer_row(page, "2026-03-03", "layer") == ["Alice"]
    # carol's six hours (12:00-18:00 Prague) in the final row and in the overrides row
    assert page.count("cell p2 ov") == 12


def test_the_month_shows_the_right_people_on_the_right_days(api: Harness) -> None:
    vera = web_user(api, "vera", UserRole.VIEWER)
    page = vera.get(SCHEDULE, params={"view": "month", "date": "2026-03-15"})
    assert page.status_code == 200
    assert "March 2026" in page.text

    def day(date: str) -> list[tuple[str, str]]:
        cell = re.search(rf'<td class="[^"]*" data-date="{date}">(.*?)</td>', page.text, re.S)
        assert cell is not None
        found = re.findall(
            r'<span class="seg-time">([^<]*)</span> <span class="seg-who" '
            r'data-username="[^"]*">([^<]*)</span>',
            cell.group(1),
        )
        return [(when.replace("\N{EN DASH}", "-"), who) for when, who in found]

    assert day("2026-03-02") == [("09:00-24:00", "Alice Novak")]
    assert day("2026-03-05") == [("00:00-24:00", "Alice Novak")]
    assert day("2026-03-09") == [("00:00-09:00", "Alice Novak"), ("09:00-24:00", "Bob Smith")]
    assert day("2026-03-20") == [("00:00-24:00", "Alice Novak")]
    # Summer time in Prague from Sunday 29 March: the hand-off stays at 09:00.
    assert day("2026-03-30") == [("00:00-09:00", "Bob Smith"), ("09:00-24:00", "Alice Novak")]
    # The grid runs Monday to Sunday, from 23 February to 5 April.
    assert 'data-date="2026-02-23"' in page.text and 'data-date="2026-04-05"' in page.text
    assert 'href="/oncall/schedules/pay-primary?view=month&amp;date=2026-04-01" rel="next"' in (
        page.text
    )


def test_a_team_manager_creates_an_override_from_the_form_and_it_changes_who_is_on_call(
    api: Harness,
) -> None:
    maya = manager(api, "maya", "payments")
    page = maya.get(SCHEDULE)
    assert 'id="override-form"' in page.text
    assert on_call_at(api, "pay-primary", "2026-03-03T12:00:00Z") == ["alice"]
    made = maya.post(
        OVERRIDE_FORM,
        {
            "user": "carol",
            "replaces": "",
            "start": "2026-03-03T12:00",  # Prague time: 11:00 UTC
            "end": "2026-03-03T18:00",
            "reason": "alice at the dentist",
        },
    )
    assert made.status_code == 303
    assert made.headers["location"] == f"{SCHEDULE}?view=week&date=2026-03-03#overrides"
    assert on_call_at(api, "pay-primary", "2026-03-03T11:00:00Z") == ["carol"]
    assert on_call_at(api, "pay-primary", "2026-03-03T16:59:00Z") == ["carol"]
    assert on_call_at(api, "pay-primary", "2026-03-03T17:00:00Z") == ["alice"]
    [override] = api.ok("GET", "/api/v1/schedules/pay-primary/overrides")
    assert override["created_by"] == "maya"
    assert override["reason"] == "alice at the dentist"
    assert (override["start"], override["end"]) == ("2026-03-03T11:00:00Z", "2026-03-03T17:00:00Z")
    [audited] = api.ok("GET", "/api/v1/audit", params={"object_type": "schedule_override"})["items"]
    assert (audited["actor"], audited["actor_via"], audited["action"]) == (
        "maya",
        "session",
        "create",
    )
    shown = maya.get(SCHEDULE, params={"date": "2026-03-03"}).text
    assert "alice at the dentist" in shown
    assert f"Delete override {override['id']}" in shown
    # Deleting it from the page hands the shift back to alice.
    deleted = maya.post(
        f"{OVERRIDE_FORM}/{override['id']}/delete", {"view": "month", "date": "2026-03-03"}
    )
    assert deleted.status_code == 303
    assert deleted.headers["location"] == f"{SCHEDULE}?view=month&date=2026-03-03#overrides"
    assert on_call_at(api, "pay-primary", "2026-03-03T12:00:00Z") == ["alice"]


def test_a_replacing_override_and_bad_input_name_the_field_as_the_api_does(api: Harness) -> None:
    admin = web_user(api, "root", UserRole.ADMIN)
    made = admin.post(
        OVERRIDE_FORM,
        {
            "user": "dave",
            "replaces": "alice",
            "start": "2026-03-03T00:00",
            "end": "2026-03-04T00:00",
        },
    )
    assert made.status_code == 303
    assert on_call_at(api, "pay-primary", "2026-03-03T10:00:00Z") == ["dave"]
    unknown = admin.post(
        OVERRIDE_FORM, {"user": "zed", "start": "2026-03-03T00:00", "end": "2026-03-04T00:00"}
    )
    assert unknown.status_code == 422
    assert "Field: <code>user</code>" in unknown.text
    assert html.escape("unknown person 'zed'", quote=True).replace("&#x27;", "&#39;") in (
        unknown.text
    )
    backwards = admin.post(
        OVERRIDE_FORM, {"user": "dave", "start": "2026-03-04T00:00", "end": "2026-03-03T00:00"}
    )
    assert backwards.status_code == 422
    assert "end must be after start" in backwards.text
    missing = admin.post(OVERRIDE_FORM, {"user": "dave", "end": "2026-03-03T00:00"})
    assert missing.status_code == 422
    assert "start is required" in missing.text
    garbled = admin.post(OVERRIDE_FORM, {"user": "dave", "start": "tomorrow", "end": "later"})
    assert garbled.status_code == 422
    assert "Field: <code>start</code>" in garbled.text


def test_only_managers_of_the_schedules_team_may_override(api: Harness) -> None:
    form = {"user": "carol", "start": "2026-03-03T12:00", "end": "2026-03-03T18:00"}
    otto = manager(api, "otto", "checkout")
    page = otto.get(SCHEDULE)
    assert page.status_code == 200
    assert 'id="override-form"' not in page.text
    refused = otto.post(OVERRIDE_FORM, form)
    assert refused.status_code == 403
    assert "otto is a team_manager and not a manager of team payments" in refused.text
    # ... while otto manages his own team's schedule.
    assert 'id="override-form"' in otto.get("/oncall/schedules/checkout").text
    own = otto.post(
        "/oncall/schedules/checkout/overrides",
        {"user": "dave", "start": "2026-03-03T12:00", "end": "2026-03-03T18:00"},
    )
    assert own.status_code == 303
    rita = web_user(api, "rita", UserRole.RESPONDER)
    assert 'id="override-form"' not in rita.get(SCHEDULE).text
    refused = rita.post(OVERRIDE_FORM, form)
    assert refused.status_code == 403
    assert "rita is a responder; this needs a team manager or above" in refused.text
    vera = web_user(api, "vera", UserRole.VIEWER)
    page = vera.get(SCHEDULE)
    assert 'id="override-form"' not in page.text and "Delete override" not in page.text
    assert vera.post(OVERRIDE_FORM, form).status_code == 403
    assert api.ok("GET", "/api/v1/schedules/pay-primary/overrides") == []
    # A manager of another team cannot delete one either.
    made = manager(api, "maya", "payments").post(OVERRIDE_FORM, form)
    assert made.status_code == 303
    [override] = api.ok("GET", "/api/v1/schedules/pay-primary/overrides")
    assert otto.post(f"{OVERRIDE_FORM}/{override['id']}/delete").status_code == 403
    assert vera.post(f"{OVERRIDE_FORM}/{override['id']}/delete").status_code == 403
    assert len(api.ok("GET", "/api/v1/schedules/pay-primary/overrides")) == 1


def test_an_override_form_without_its_csrf_token_is_refused(api: Harness) -> None:
    maya = manager(api, "maya", "payments")
    maya.get(SCHEDULE)
    form = {"user": "carol", "start": "2026-03-03T12:00", "end": "2026-03-03T18:00"}
    refused = maya.post(OVERRIDE_FORM, form, csrf=False)
    assert refused.status_code == 403
    assert "CSRF token is missing or stale" in refused.text
    forged = maya.post(OVERRIDE_FORM, {**form, "csrf_token": "0" * 64}, csrf=False)
    assert forged.status_code == 403
    assert api.ok("GET", "/api/v1/schedules/pay-primary/overrides") == []


def test_the_personal_ics_link_serves_the_signed_in_persons_calendar(api: Harness) -> None:
    alice = web_user(api, "alice", UserRole.RESPONDER)
    page = alice.get("/oncall").text
    found = re.search(r'id="ics-url" type="url" readonly value="([^"]+)"', page)
    assert found is not None
    url = html.unescape(found.group(1))
    assert url.startswith("http://127.0.0.1:8000/ical/people/alice.ics?token=")
    assert 'data-copy="ics-url"' in page
    parts = urlsplit(url)
    feed = alice.client.get(f"{parts.path}?{parts.query}")
    assert feed.status_code == 200
    assert feed.headers["content-type"] == "text/calendar; charset=utf-8"
    assert "X-WR-CALNAME:On call: Alice Novak" in feed.text
    assert "SUMMARY:On call: Payments primary" in feed.text
    # Someone who is not one of the configured people has no feed.
    vera = web_user(api, "vera", UserRole.VIEWER)
    assert "you have no shifts to subscribe to" in vera.get("/oncall").text
    assert 'id="ics-url"' not in vera.get("/oncall").text


def test_escalation_policies_are_rendered_as_steps_in_order(api: Harness) -> None:
    vera = web_user(api, "vera", UserRole.VIEWER)
    page = vera.get("/oncall/policies")
    assert page.status_code == 200
    section = re.search(r'id="policy-payments">(.*?)</section>', page.text, re.S)
    assert section is not None
    steps = re.findall(
        r'<li class="step step-([a-z_]+)" data-step="(\d)">\s*<span class="step-at">([^<]*)</span>'
        r"(.*?)</div>\s*</li>",
        section.group(1),
        re.S,
    )

    def text(fragment: str) -> str:
        return " ".join(re.sub(r"<[^>]+>", " ", fragment).split())

    assert [(kind, number, when) for kind, number, when, _body in steps] == [
        ("on_call", "1", "at once"),
        ("team", "2", "at once"),
        ("wait", "3", "at once"),
        ("on_call", "4", "after 5m"),
        ("wait", "5", "after 5m"),
        ("users", "6", "after 15m"),
    ]
    bodies = [text(body) for *_rest, body in steps]
    assert bodies[0] == "Page whoever is on call in Payments primary — now Alice Novak"
    assert bodies[1].startswith("Post to the team's channels Payments email payments@example.com")
    assert bodies[2] == "Wait 5m for an acknowledgement"
    assert bodies[3] == "Page whoever is on call in Payments backup — now Bob Smith"
    assert bodies[5].startswith("Page Carol Lead , Dave Jones")
    facts = text(section.group(1).split('<dl class="facts">')[1])
    assert "The steps run 2 more times (3 rounds, 15m each) while nobody acknowledges." in facts
    assert "Dave Jones , paged once after 45m." in facts
    assert "An acknowledged incident untouched for 30m escalates again." in facts
    assert 'Pages for team <a href="/oncall#team-payments">Payments</a>' in section.group(1)


def test_on_call_pages_need_a_sign_in_and_refuse_unknown_schedules(api: Harness) -> None:
    from tests.support.web import browser

    stranger = browser(api)
    answer = stranger.get("/oncall")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Foncall"
    vera = web_user(api, "vera", UserRole.VIEWER)
    missing = vera.get("/oncall/schedules/nope")
    assert missing.status_code == 404
    assert "no schedule &#39;nope&#39;" in missing.text
    assert vera.get(SCHEDULE, params={"view": "year"}).status_code == 400
    assert vera.get(SCHEDULE, params={"date": "9999-12-31"}).status_code == 422


def test_user_text_in_an_override_reason_is_escaped(api: Harness) -> None:
    attack = "<script>alert(1)</script>"
    api.ok(
        "POST",
        "/api/v1/schedules/pay-primary/overrides",
        json={
            "user": "carol",
            "start": "2026-03-03T11:00:00Z",
            "end": "2026-03-03T17:00:00Z",
            "reason": attack,
        },
    )
    page = web_user(api, "vera", UserRole.VIEWER).get(SCHEDULE).text
    assert attack not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
