"""The outbox page: filters by status and channel, dead letters, and the retry button that
puts a dead delivery back in the queue; refused to viewers and to forms without CSRF."""

from __future__ import annotations

import re
from typing import Any

from tests.support.api import Harness
from tests.support.web import web_user
from warroom.auth.models import UserRole


def listed(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="delivery-(\d+)">', page)]


def dead_letters(api: Harness) -> dict[str, int]:
    """The test config has no SMTP and no Slack: declaring for payments (email) and checkout
    (a Slack channel) leaves one dead delivery each."""
    api.declare(title="Card payments failing", team="payments")
    api.declare(title="Checkout slow", team="checkout")
    api.drain()
    items = api.ok("GET", "/api/v1/deliveries")["items"]
    assert {(d["channel"], d["status"]) for d in items} == {("email", "dead"), ("slack", "dead")}
    return {d["channel"]: d["id"] for d in items}


def delivery(api: Harness, delivery_id: int) -> dict[str, Any]:
    found: dict[str, Any] = api.ok("GET", f"/api/v1/deliveries/{delivery_id}")
    return found


def test_the_outbox_lists_dead_letters_with_their_error_and_filters_by_channel(
    api: Harness,
) -> None:
    ids = dead_letters(api)
    rita = web_user(api, "rita")
    page = rita.get("/deliveries")
    assert page.status_code == 200
    assert sorted(listed(page.text)) == sorted(ids.values())
    assert "email is not configured (notifications.email)" in page.text
    assert "Slack is not configured (notifications.slack)" in page.text
    assert re.search(r'Dead letters <span class="count bad">2</span>', page.text)
    assert '<a href="/incidents/INC-1">INC-1</a>' in page.text
    assert listed(rita.get("/deliveries?channel=email").text) == [ids["email"]]
    assert listed(rita.get("/deliveries?channel=slack").text) == [ids["slack"]]
    assert sorted(listed(rita.get("/deliveries?status=dead").text)) == sorted(ids.values())
    assert listed(rita.get("/deliveries?status=delivered").text) == []
    bad = rita.get("/deliveries?channel=pigeon")
    assert bad.status_code == 400
    assert "Field: <code>channel</code>" in bad.text


def test_retry_puts_a_dead_delivery_back_in_the_queue(api: Harness) -> None:
    ids = dead_letters(api)
    rita = web_user(api, "rita")
    page = rita.get("/deliveries")
    assert f"Retry delivery {ids['email']}" in page.text
    retried = rita.post(f"/deliveries/{ids['email']}/retry")
    assert retried.status_code == 303
    assert retried.headers["location"] == f"/deliveries#delivery-{ids['email']}"
    again = delivery(api, ids["email"])
    assert (again["status"], again["attempts"]) == ("pending", 0)
    assert delivery(api, ids["slack"])["status"] == "dead"

    assert listed(rita.get("/deliveries?status=pending").text) == [ids["email"]]
    assert listed(rita.get("/deliveries?status=dead").text) == [ids["slack"]]
    assert f"Retry delivery {ids['email']}" not in rita.get("/deliveries").text
    conflict = rita.post(f"/deliveries/{ids['email']}/retry")
    assert conflict.status_code == 409
    assert "only dead or cancelled deliveries can be retried" in conflict.text
    assert rita.post("/deliveries/999999/retry").status_code == 404


def test_a_viewer_sees_the_outbox_without_retry_buttons_and_cannot_retry(api: Harness) -> None:
    ids = dead_letters(api)
    vera = web_user(api, "vera", UserRole.VIEWER)
    page = vera.get("/deliveries")
    assert page.status_code == 200
    assert sorted(listed(page.text)) == sorted(ids.values())
    assert "/retry" not in page.text
    refused = vera.post(f"/deliveries/{ids['email']}/retry")
    assert refused.status_code == 403
    assert "vera is a viewer; this needs a responder or above" in refused.text
    assert delivery(api, ids["email"])["status"] == "dead"


def test_a_retry_without_the_csrf_token_is_refused(api: Harness) -> None:
    ids = dead_letters(api)
    rita = web_user(api, "rita")
    refused = rita.post(f"/deliveries/{ids['email']}/retry", csrf=False)
    assert refused.status_code == 403
    assert "CSRF token is missing or stale" in refused.text
    assert delivery(api, ids["email"])["status"] == "dead"
