"""Pages by email through a real SMTP server, and the signed links in them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.notify.helpers import deliveries, links, notify_app
from tests.support.api import Harness
from tests.support.sinks import HttpSink, SmtpSink
from warroom.notify.models import DeliveryStatus, Purpose


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def hook(monkeypatch: pytest.MonkeyPatch) -> Iterator[HttpSink]:
    monkeypatch.setenv("WARROOM_TEST_HOOK_SECRET", "s3cret")
    with HttpSink() as sink:
        yield sink


@pytest.fixture
def app(engine: Engine, tmp_path: Path, smtp: SmtpSink, hook: HttpSink) -> Iterator[Harness]:
    with notify_app(engine, tmp_path, smtp, hook) as harness:
        yield harness


def page_mail(smtp: SmtpSink, address: str) -> str:
    mails = [m for m in smtp.to(address) if "paged" in m.part("plain")]
    assert len(mails) == 1, [m.subject for m in smtp.received()]
    return mails[0].part("plain")


def test_the_first_step_emails_the_person_with_text_and_html(app: Harness, smtp: SmtpSink) -> None:
    app.declare(title="Card payments failing", severity="SEV1", team="payments")
    app.drain()

    [mail] = [m for m in smtp.to("alice@example.com")]
    assert "INC-1" in mail.subject and "Card payments failing" in mail.subject
    assert mail.message["From"] == "warroom@example.com"
    assert mail.message_id.startswith("<") and mail.message_id.endswith("@example.com>")
    assert "Acknowledge: http://testserver/act/" in mail.part("plain")
    html = mail.part("html")
    assert ">Acknowledge</a>" in html and "Card payments failing" in html
    [page] = deliveries(app, purpose=Purpose.PAGE)
    assert page.status is DeliveryStatus.DELIVERED and page.attempts == 1


def test_opening_the_link_only_asks_and_posting_it_acknowledges(
    app: Harness, smtp: SmtpSink
) -> None:
    app.declare(title="Card payments failing", severity="SEV1", team="payments")
    app.drain()
    ack = links(page_mail(smtp, "alice@example.com"))["acknowledge"]

    shown = app.client.get(ack)
    assert shown.status_code == 200
    assert "Acknowledge INC-1" in shown.text and "<form" in shown.text
    assert app.ok("GET", "/api/v1/incidents/INC-1")["status"] == "triggered"

    done = app.client.post(ack)
    assert done.status_code == 200, done.text
    incident = app.ok("GET", "/api/v1/incidents/INC-1")
    assert incident["status"] == "acknowledged"
    assert incident["acknowledged_at"] is not None


def test_acknowledging_from_the_link_stops_the_escalation(app: Harness, smtp: SmtpSink) -> None:
    app.declare(title="Card payments failing", severity="SEV1", team="payments")
    app.drain()
    app.client.post(links(page_mail(smtp, "alice@example.com"))["acknowledge"])
    app.drain()

    app.clock.advance(minutes=30)
    app.drain()
    assert smtp.to("bob@example.com") == []
    kinds = [e["kind"] for e in app.ok("GET", "/api/v1/incidents/INC-1/timeline")["entries"]]
    assert "paged" in kinds and "escalation_stopped" in kinds


def test_the_resolve_link_resolves_as_the_person(app: Harness, smtp: SmtpSink) -> None:
    app.declare(title="Card payments failing", severity="SEV1", team="payments")
    app.drain()
    resolve = links(page_mail(smtp, "alice@example.com"))["resolve"]

    assert app.client.post(resolve).status_code == 200
    incident = app.ok("GET", "/api/v1/incidents/INC-1")
    assert incident["status"] == "resolved"
    entries = app.ok("GET", "/api/v1/incidents/INC-1/timeline")["entries"]
    assert any(e["actor"] == "alice" and "resolved" in e["text"] for e in entries)


def test_a_used_up_link_on_a_resolved_incident_is_409(app: Harness, smtp: SmtpSink) -> None:
    app.declare(title="Card payments failing", severity="SEV1", team="payments")
    app.drain()
    urls = links(page_mail(smtp, "alice@example.com"))
    app.client.post(urls["resolve"])

    again = app.client.post(urls["acknowledge"])
    assert again.status_code == 409
    assert "already resolved" in again.text


def test_an_altered_link_is_refused(app: Harness, smtp: SmtpSink) -> None:
    app.declare(title="Card payments failing", severity="SEV1", team="payments")
    app.drain()
    ack = links(page_mail(smtp, "alice@example.com"))["acknowledge"]
    body, mac = ack.removeprefix("/act/").split(".")
    forged = f"/act/{body[:-2]}{'A' if body[-2] != 'A' else 'B'}{body[-1]}.{mac}"

    assert app.client.get(forged).status_code == 403
    assert app.client.post(forged).status_code == 403
    assert app.ok("GET", "/api/v1/incidents/INC-1")["status"] == "triggered"


def test_an_expired_link_is_refused(app: Harness, smtp: SmtpSink) -> None:
    app.declare(title="Card payments failing", severity="SEV1", team="payments")
    app.drain()
    ack = links(page_mail(smtp, "alice@example.com"))["acknowledge"]

    app.clock.advance(hours=24, seconds=1)
    response = app.client.post(ack)
    assert response.status_code == 410
    assert "expired" in response.text
    assert app.ok("GET", "/api/v1/incidents/INC-1")["acknowledged_at"] is None
