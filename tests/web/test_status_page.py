"""Status pages: public, component states from open incidents, the comms lead's public
updates (never anything internal), maintenance, the Atom feed, and email subscriptions with
double opt-in through a real SMTP server."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from tests.alerts.support import am_alert, send
from tests.statuspage.helpers import PUBLIC_URL, status_app
from tests.support.api import Harness
from tests.support.sinks import ReceivedMail, SmtpSink
from tests.support.web import Browser, browser, web_user
from warroom.auth.models import User, UserRole
from warroom.db.engine import make_session_factory
from warroom.statuspage.models import StatusSubscriber, SubscriberStatus

ATOM = "{http://www.w3.org/2005/Atom}"
INCIDENTS = "/api/v1/incidents"


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def app(engine: Engine, tmp_path: Path, smtp: SmtpSink) -> Iterator[Harness]:
    """The test organisation with status pages, on SQLite and PostgreSQL."""
    with status_app(engine, tmp_path, smtp_port=smtp.port) as harness:
        yield harness


def states(html: str) -> dict[str, str]:
    """Component name -> the state the page shows for it."""
    found = re.findall(
        r'<span class="component-name">([^<]+)</span>\s*'
        r'<span class="state-text state-[a-z_]+">([^<]+)</span>',
        html,
    )
    return dict(found)


def headline(html: str) -> str:
    found = re.search(r'<h2 id="headline">([^<]+)</h2>', html)
    assert found is not None
    return found.group(1)


def section(html: str, heading_id: str) -> str:
    """The HTML of the section labelled by ``heading_id`` ('' when absent)."""
    found = re.search(
        rf'<section[^>]*aria-labelledby="{heading_id}".*?</section>', html, flags=re.S
    )
    return found.group(0) if found else ""


def update(
    api: Harness, text: str, audience: str = "public", ref: str = "INC-1", **more: Any
) -> None:
    api.ok("POST", f"{INCIDENTS}/{ref}/updates", json={"text": text, "audience": audience, **more})


def act(api: Harness, action: str, ref: str = "INC-1") -> None:
    api.ok("POST", f"{INCIDENTS}/{ref}/actions/{action}")


# --- the page ---------------------------------------------------------------------------------


def test_anyone_reads_the_page_and_each_component_follows_its_open_incidents(
    app: Harness,
) -> None:
    stranger = browser(app)
    page = stranger.get("/status/shop")
    assert page.status_code == 200
    assert headline(page.text) == "All systems operational"
    assert states(page.text) == {
        "Card payments": "Operational",
        "Checkout": "Operational",
        "Product search": "Operational",
    }

    app.declare(services=["payments-api"], severity="SEV1")
    app.declare(services=["search-api"], severity="SEV2", title="Search slow")
    app.declare(services=["checkout-api"], severity="SEV3", title="Checkout warnings")
    page = stranger.get("/status/shop")
    assert states(page.text) == {
        "Card payments": "Major outage",
        "Checkout": "Degraded performance",
        "Product search": "Partial outage",
    }
    assert headline(page.text) == "Major outage"
    assert "Major outage of Card payments" in section(page.text, "active-heading")

    act(app, "acknowledge")
    assert states(stranger.get("/status/shop").text)["Card payments"] == "Major outage"
    act(app, "mitigate")
    page = stranger.get("/status/shop").text
    assert states(page)["Card payments"] == "Degraded performance"
    assert "Monitoring" in section(page, "active-heading")
    act(app, "resolve")
    page = stranger.get("/status/shop").text
    assert states(page)["Card payments"] == "Operational"
    assert headline(page) == "Partial outage"
    past = section(page, "history-heading")
    assert "Major outage of Card payments" in past and "Resolved" in past


def test_a_severity_that_does_not_show_leaves_the_page_alone(app: Harness) -> None:
    app.declare(services=["payments-api"], severity="SEV4", title="Typo on the receipt")
    app.declare(services=["postgres-primary"], severity="SEV1", title="Replica lag")
    page = browser(app).get("/status/shop").text
    assert set(states(page).values()) == {"Operational"}
    assert section(page, "active-heading") == ""
    assert "No incidents in the last 14 days." in page


def test_maintenance_shows_its_components_and_times_not_its_comment(app: Harness) -> None:
    now = app.clock()
    app.ok(
        "POST",
        "/api/v1/maintenance",
        json={"service": "checkout-api", "duration": "2h", "comment": "kernel upgrade by ivan"},
    )
    starts = now + timedelta(days=1)
    app.ok(
        "POST",
        "/api/v1/maintenance",
        json={
            "service": "search-api",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=1)).isoformat(),
            "comment": "reindex, ping olga",
        },
    )
    page = browser(app).get("/status/shop").text
    planned = section(page, "maintenance-heading")
    assert "In progress" in planned and "Scheduled" in planned
    assert "<strong>Checkout</strong>" in planned and "<strong>Product search</strong>" in planned
    assert "2026-03-03 09:00:00 UTC" in planned
    assert "ivan" not in page and "olga" not in page and "kernel" not in page
    assert states(page)["Checkout"] == "Under maintenance"
    assert headline(page) == "Maintenance in progress"
    app.declare(services=["checkout-api"], severity="SEV2")
    assert states(browser(app).get("/status/shop").text)["Checkout"] == "Partial outage"


def test_a_page_that_is_not_public_asks_for_a_sign_in(app: Harness) -> None:
    stranger = browser(app)
    answer = stranger.get("/status/internal")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Fstatus%2Finternal"
    assert stranger.get("/status/internal/feed.atom").status_code == 303
    vera = web_user(app, "vera", UserRole.VIEWER)
    page = vera.get("/status/internal")
    assert page.status_code == 200
    assert states(page.text) == {"Primary PostgreSQL": "Operational"}
    missing = stranger.get("/status/nope")
    assert missing.status_code == 404
    assert "there is no status page" in missing.text


def test_the_page_has_no_script_and_the_security_headers(app: Harness) -> None:
    answer = browser(app).get("/status/shop")
    assert "<script" not in answer.text
    assert "style=" not in answer.text
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert 'href="/incidents"' not in answer.text  # no app navigation
    assert '<label for="subscribe-email">Email address</label>' in answer.text


def test_the_uptime_bars_show_the_last_ninety_days(app: Harness) -> None:
    app.declare(services=["payments-api"], severity="SEV1")
    app.clock.advance(hours=2)
    act(app, "resolve")
    app.clock.advance(days=1)
    page = browser(app).get("/status/shop").text
    bars = re.findall(r'<span class="bar day-([a-z_]+)" title="([^"]+)"></span>', page)
    assert len(bars) == 3 * 90
    payments = bars[:90]
    assert payments[-2] == ("major_outage", "2026-03-02: 2 h major outage")
    assert payments[-1] == ("operational", "2026-03-03: no incidents")
    assert 'aria-label="Card payments: 99.90% uptime over the last 90 days; 1 day with' in page


# --- public updates ---------------------------------------------------------------------------


def test_the_comms_lead_publishes_from_the_incident_page(app: Harness) -> None:
    carol = web_user(app, "carol")
    app.declare(services=["payments-api"], severity="SEV1", title="pg primary OOM")
    war_room = carol.get("/incidents/INC-1").text
    assert '<a href="/status/shop">Test Shop status</a>' in war_room
    assert 'name="public_title"' in war_room
    internal = {"text": "rolled back deploy 4411", "audience": "internal", "public_title": "x"}
    assert carol.post("/incidents/INC-1/updates", internal).status_code == 303
    public = {
        "text": "Card payments fail for some customers; we are on it.",
        "audience": "public",
        "public_title": "Card payments failing",
    }
    assert carol.post("/incidents/INC-1/updates", public).status_code == 303

    page = browser(app).get("/status/shop").text
    active = section(page, "active-heading")
    assert "Card payments failing" in active
    assert "Card payments fail for some customers; we are on it." in active
    assert "rolled back" not in page and "pg primary" not in page
    feed = browser(app).get("/status/shop/feed.atom").text
    assert "Card payments fail for some customers; we are on it." in feed
    assert "rolled back" not in feed
    incident = app.ok("GET", f"{INCIDENTS}/INC-1")
    assert incident["public_title"] == "Card payments failing"
    assert incident["last_public_update_at"] is not None


def test_the_atom_feed_is_valid_atom_with_one_entry_per_public_update(app: Harness) -> None:
    app.declare(services=["payments-api"], severity="SEV1")
    update(app, "Investigating failed card payments.", public_title="Card payments failing")
    app.clock.advance(minutes=10)
    update(app, "internal: it was the connection pool", audience="internal")
    act(app, "mitigate")
    update(app, "A fix is in; we are watching.")
    app.declare(services=["search-api"], severity="SEV2")
    app.clock.advance(minutes=5)
    update(app, "Search is slow & some results <missing>.", ref="INC-2")
    app.declare(services=["postgres-primary"], severity="SEV1")  # not on this page
    update(app, "Replica catching up.", ref="INC-3")

    answer = browser(app).get("/status/shop/feed.atom")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/atom+xml; charset=utf-8"
    root = ET.fromstring(answer.content)
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert (root.findtext(f"{ATOM}{required}") or "").strip(), required
    assert root.findtext(f"{ATOM}id") == f"{PUBLIC_URL}/status/shop"
    assert root.findtext(f"{ATOM}author/{ATOM}name") == "Test Shop"
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
    assert links == {
        "self": f"{PUBLIC_URL}/status/shop/feed.atom",
        "alternate": f"{PUBLIC_URL}/status/shop",
    }
    entries = root.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}content") for e in entries] == [
        "Search is slow & some results <missing>.",
        "A fix is in; we are watching.",
        "Investigating failed card payments.",
    ]
    assert [e.findtext(f"{ATOM}title") for e in entries] == [
        "Partial outage of Product search: Investigating",
        "Card payments failing: Monitoring",
        "Card payments failing: Investigating",
    ]
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert len(set(ids)) == 3 and all(i and i.startswith("tag:status.example.test,") for i in ids)
    times = [datetime.fromisoformat(e.findtext(f"{ATOM}updated") or "") for e in entries]
    assert times == sorted(times, reverse=True) and all(t.tzinfo for t in times)
    assert root.findtext(f"{ATOM}updated") == entries[0].findtext(f"{ATOM}updated")
    for entry in entries:
        assert entry.find(f"{ATOM}content").get("type") == "text"  # type: ignore[union-attr]
        link = entry.find(f"{ATOM}link")
        assert link is not None and link.get("href", "").startswith(f"{PUBLIC_URL}/status/shop#")


def _user(api: Harness, username: str, display_name: str) -> None:
    web_user(api, username)
    with make_session_factory(api.engine)() as session:
        user = session.scalar(select(User).where(User.username == username))
        assert user is not None
        user.display_name = display_name
        session.commit()


def test_nothing_internal_leaks_to_the_page_the_feed_or_the_emails(
    app: Harness, smtp: SmtpSink
) -> None:
    fan = browser(app)
    subscribe(fan, "fan@example.org")
    app.drain()
    fan.post("/status/shop/confirm", {"token": token_of(only_mail(smtp, "fan@example.org"))})
    _user(app, "ivan-internal", "Ivan Hiddenname")
    _user(app, "olga-oncall", "Olga Secretsurname")
    send(
        app,
        am_alert(
            "PgPrimaryOOMKilled",
            service="payments-api",
            severity="critical",
            instance="db-7.zone-b.corp.internal",
            customer_tier="whale-customer-acme",
            annotations={"summary": "oom-killer took pg on db-7"},
        ),
    )
    [incident] = app.ok("GET", INCIDENTS)["items"]
    ref = incident["ref"]
    app.ok(
        "PATCH",
        f"{INCIDENTS}/{ref}",
        json={"title": "Bob's bad migration ate the primary", "summary": "blame: ticket OPS-991"},
    )
    app.ok("POST", f"{INCIDENTS}/{ref}/roles", json={"role": "lead", "user": "ivan-internal"})
    app.ok("POST", f"{INCIDENTS}/{ref}/roles", json={"role": "comms", "user": "olga-oncall"})
    _user(app, "pia-participant", "Pia Watcher")
    app.ok("POST", f"{INCIDENTS}/{ref}/participants", json={"user": "pia-participant"})
    app.ok("POST", f"{INCIDENTS}/{ref}/notes", json={"text": "restored from snapshot snap-42"})
    update(app, "internal: customer acme lost 3 orders", audience="internal", ref=ref)
    olga = browser(app)
    olga.sign_in("olga-oncall")
    public = {
        "text": "Some card payments are failing. We are working on a fix.",
        "audience": "public",
    }
    assert olga.post(f"/incidents/{ref}/updates", public).status_code == 303
    app.drain()

    page = browser(app).get("/status/shop").text
    feed = browser(app).get("/status/shop/feed.atom").text
    [mail] = [m for m in smtp.to("fan@example.org") if "Some card payments" in m.part("plain")]
    mail_text = mail.subject + mail.part("plain") + mail.part("html")
    secrets = [
        "PgPrimaryOOMKilled", "oom-killer", "db-7", "zone-b", "corp.internal",
        "whale-customer-acme", "customer_tier", "Bob's", "migration", "OPS-991", "blame",
        "snap-42", "snapshot", "acme", "lost 3 orders", "ivan", "Ivan", "Hiddenname",
        "olga", "Olga", "Secretsurname", "pia", "Pia", "Watcher", "admin", ref, "payments-api",
    ]  # fmt: skip
    for text, where in ((page, "page"), (feed, "feed"), (mail_text, "email")):
        assert "Some card payments are failing. We are working on a fix." in text, where
        leaked = [s for s in secrets if s in text]
        assert leaked == [], f"{where} shows {leaked}"


# --- email subscriptions ----------------------------------------------------------------------


def subscribe(client: Browser, email: str, page: str = "shop") -> Any:
    client.get(f"/status/{page}")
    return client.post(f"/status/{page}/subscribe", {"email": email})


def only_mail(smtp: SmtpSink, address: str, subject: str = "Confirm") -> ReceivedMail:
    mails = [m for m in smtp.to(address) if m.subject.startswith(subject)]
    assert len(mails) == 1, [m.subject for m in smtp.received()]
    return mails[0]


def link(mail: ReceivedMail, label: str) -> str:
    found = re.search(rf"^{label}: (\S+?)\r?$", mail.part("plain"), flags=re.M)
    assert found is not None, mail.part("plain")
    return found.group(1).removeprefix(PUBLIC_URL)


def token_of(mail: ReceivedMail, label: str = "Confirm your subscription") -> str:
    return link(mail, label).split("token=", 1)[1]


def subscriber(api: Harness, email: str) -> StatusSubscriber:
    with make_session_factory(api.engine)() as session:
        row = session.scalar(select(StatusSubscriber).where(StatusSubscriber.email == email))
        assert row is not None
        return row


def updates_to(smtp: SmtpSink, address: str) -> list[ReceivedMail]:
    return [m for m in smtp.to(address) if m.subject.startswith("[Test Shop status]")]


def test_double_opt_in_then_every_public_update_once_then_unsubscribe(
    app: Harness, smtp: SmtpSink
) -> None:
    fan = browser(app)
    answer = subscribe(fan, "Fan@Example.ORG")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/status/shop?subscribe=sent#subscribe"
    assert "Check your inbox" in fan.get(answer.headers["location"]).text
    app.drain()
    confirmation = only_mail(smtp, "Fan@example.org")
    assert confirmation.subject == "Confirm your subscription to Test Shop status"
    assert subscriber(app, "Fan@example.org").status is SubscriberStatus.PENDING

    app.declare(services=["payments-api"], severity="SEV1")
    update(app, "Card payments are failing.")
    app.drain()
    assert updates_to(smtp, "Fan@example.org") == []  # not confirmed yet

    confirm = link(confirmation, "Confirm your subscription")
    shown = browser(app).get(confirm)  # a mail scanner following the link confirms nothing
    assert shown.status_code == 200
    assert "Fan@example.org will get an email for every public update" in shown.text
    assert subscriber(app, "Fan@example.org").status is SubscriberStatus.PENDING
    done = fan.post("/status/shop/confirm", {"token": token_of(confirmation)})
    assert done.status_code == 303
    assert done.headers["location"] == "/status/shop?subscribe=confirmed#subscribe"
    assert subscriber(app, "Fan@example.org").status is SubscriberStatus.CONFIRMED

    update(app, "A fix is rolling out.")
    update(app, "internal only: pool size was 5", audience="internal")
    app.drain()
    app.drain()
    [mail] = updates_to(smtp, "Fan@example.org")
    assert mail.subject == "[Test Shop status] Major outage of Card payments: Investigating"
    assert "Investigating: A fix is rolling out." in mail.part("plain")
    assert "Affected: Card payments" in mail.part("plain")
    assert f"Test Shop status: {PUBLIC_URL}/status/shop" in mail.part("plain")
    unsubscribe = link(mail, "Unsubscribe")
    assert mail.message["List-Unsubscribe"] == f"<{PUBLIC_URL}{unsubscribe}>"
    assert mail.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    ids = [m.message_id for m in smtp.received()]
    assert len(ids) == len(set(ids))

    asked = browser(app).get(unsubscribe)
    assert asked.status_code == 200 and "Unsubscribe from Test Shop status?" in asked.text
    assert subscriber(app, "Fan@example.org").status is SubscriberStatus.CONFIRMED
    token = unsubscribe.split("token=", 1)[1]
    gone = fan.post("/status/shop/unsubscribe", {"token": token})
    assert gone.status_code == 303
    assert subscriber(app, "Fan@example.org").status is SubscriberStatus.UNSUBSCRIBED
    update(app, "Resolved.")
    app.drain()
    assert len(updates_to(smtp, "Fan@example.org")) == 1

    subscribe(fan, "Fan@example.org")  # back within the hour: a fresh confirmation
    app.drain()
    assert len([m for m in smtp.to("Fan@example.org") if m.subject.startswith("Confirm")]) == 2
    assert subscriber(app, "Fan@example.org").status is SubscriberStatus.PENDING


def test_a_mail_client_unsubscribes_in_one_click(app: Harness, smtp: SmtpSink) -> None:
    fan = browser(app)
    subscribe(fan, "fan@example.org")
    app.drain()
    fan.post("/status/shop/confirm", {"token": token_of(only_mail(smtp, "fan@example.org"))})
    app.declare(services=["search-api"], severity="SEV2")
    update(app, "Search is slow.")
    app.drain()
    [mail] = updates_to(smtp, "fan@example.org")
    url = mail.message["List-Unsubscribe"].strip("<>").removeprefix(PUBLIC_URL)
    answer = app.client.post(url, data={"List-Unsubscribe": "One-Click"}, follow_redirects=False)
    assert answer.status_code == 303
    assert subscriber(app, "fan@example.org").status is SubscriberStatus.UNSUBSCRIBED


def test_altered_and_expired_links_do_not_work(app: Harness, smtp: SmtpSink) -> None:
    fan = browser(app)
    subscribe(fan, "fan@example.org")
    app.drain()
    token = token_of(only_mail(smtp, "fan@example.org"))
    altered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    refused = fan.post("/status/shop/confirm", {"token": altered})
    assert refused.status_code == 403
    assert "This link does not work" in refused.text
    wrong_page = fan.get(f"/status/internal/confirm?token={token}")
    assert wrong_page.status_code == 403
    app.clock.advance(days=7, seconds=1)
    expired = fan.post("/status/shop/confirm", {"token": token})
    assert expired.status_code == 410
    assert "expired" in expired.text
    assert subscriber(app, "fan@example.org").status is SubscriberStatus.PENDING


def test_subscribing_is_limited_per_client_and_per_address(app: Harness, smtp: SmtpSink) -> None:
    client = browser(app)
    for _ in range(3):
        assert subscribe(client, "fan@example.org").status_code == 303
    app.drain()
    assert len(smtp.to("fan@example.org")) == 1  # one confirmation an hour per address
    assert subscribe(client, "other@example.org").status_code == 303
    assert subscribe(client, "third@example.org").status_code == 303
    refused = subscribe(client, "fourth@example.org")
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) == 15 * 60
    app.clock.advance(minutes=61)
    assert subscribe(client, "fan@example.org").status_code == 303
    app.drain()
    assert len(smtp.to("fan@example.org")) == 2


def test_a_subscription_needs_a_valid_address_and_the_forms_csrf_token(app: Harness) -> None:
    client = browser(app)
    client.get("/status/shop")
    bad = client.post("/status/shop/subscribe", {"email": "not an address\r\nBcc: x@y.z"})
    assert bad.status_code == 422
    assert "Field: <code>email</code>" in bad.text
    forged = client.post("/status/shop/subscribe", {"email": "fan@example.org"}, csrf=False)
    assert forged.status_code == 403
    with make_session_factory(app.engine)() as session:
        assert session.scalar(select(StatusSubscriber)) is None
