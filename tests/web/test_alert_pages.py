"""The alert pages: the list and its filters, one alert with who routed it and why,
silences (one made from an alert's labels, with a preview of what it would match),
maintenance windows and integrations; the viewer's read-only view; user text escaped."""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import urlencode

from markupsafe import escape

from tests.alerts.support import alerts, am_alert, send
from tests.support.api import Harness
from tests.support.web import Browser, web_user
from warroom.auth.models import UserRole

HOOK_KEY = "hook-test-key-0123456789"
ATTACK = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def listed(page: str) -> list[int]:
    """The alerts a list page links to, in its order."""
    return [int(n) for n in re.findall(r'<a href="/alerts/(\d+)"><strong>', page)]


def previewed(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr data-alert-id="(\d+)">', page)]


def textarea(page: str) -> list[str]:
    """The matchers of the silence form, one per line."""
    found = re.search(r'<textarea id="matchers"[^>]*>([^<]*)</textarea>', page)
    assert found is not None
    return str(html.unescape(found.group(1))).splitlines()


def by_name(api: Harness, **params: Any) -> dict[str, int]:
    """Alert ids by alertname (Alertmanager) or title (webhook)."""
    return {a["labels"].get("alertname", a["title"]): a["id"] for a in alerts(api, **params)}


def api_message(answer: Any) -> str:
    """The API's error message as the page prints it (autoescaped)."""
    return str(escape(answer.json()["error"]["message"]))


def some_alerts(api: Harness) -> dict[str, int]:
    send(
        api,
        am_alert("CheckoutSlow", service="checkout-api", severity="critical"),
        am_alert("DiskFull", service="postgres-primary", instance="db-1"),
        am_alert("PaymentsErrors", service="payments-api", severity="critical"),
        group_key="g1",
    )
    send(
        api,
        am_alert("PaymentsErrors", status="resolved", service="payments-api", severity="critical"),
        group_key="g1",
    )
    answer = api.ingest(f"/ingest/webhook/{HOOK_KEY}", json={"title": "Queue backlog", "id": "q1"})
    assert answer.status_code == 200, answer.text
    api.drain()
    return by_name(api, status=["firing", "acknowledged", "resolved"])


def test_the_list_shows_open_alerts_and_each_filter_narrows_it(api: Harness) -> None:
    ids = some_alerts(api)
    rita = web_user(api, "rita")

    def shown(**params: Any) -> set[int]:
        response = rita.get("/alerts?" + urlencode(params, doseq=True))
        assert response.status_code == 200
        return set(listed(response.text))

    assert shown() == {ids["CheckoutSlow"], ids["DiskFull"], ids["Queue backlog"]}
    assert shown(status="resolved") == {ids["PaymentsErrors"]}
    assert shown(status=["firing", "resolved"]) == set(ids.values())
    assert shown(team="checkout") == {ids["CheckoutSlow"]}
    assert shown(service="postgres-primary") == {ids["DiskFull"]}
    assert shown(integration="hook") == {ids["Queue backlog"]}
    assert shown(q="disk") == {ids["DiskFull"]}
    assert shown(q="QUEUE", integration="hook") == {ids["Queue backlog"]}
    assert shown(q="nothing like it") == set()
    assert shown(status="resolved", team="checkout") == set()


def test_the_list_pages_through_many_alerts(api: Harness) -> None:
    send(api, *(am_alert(f"Probe{n:02d}", severity="none") for n in range(53)))
    rita = web_user(api, "rita")
    first = rita.get("/alerts?team=triage")
    assert first.status_code == 200
    assert len(listed(first.text)) == 50
    assert "Alerts 1 to 50 of 53" in first.text
    assert 'href="/alerts?team=triage&amp;offset=50">Next page</a>' in first.text
    second = rita.get("/alerts?team=triage&offset=50")
    assert len(listed(second.text)) == 3
    assert "Next page" not in second.text
    assert 'href="/alerts?team=triage">Previous page</a>' in second.text
    assert set(listed(first.text)).isdisjoint(listed(second.text))


def test_the_alert_page_explains_who_routed_it_and_shows_everything_it_carries(
    api: Harness,
) -> None:
    send(
        api,
        am_alert(
            "CheckoutSlow",
            service="checkout-api",
            severity="critical",
            annotations={"summary": "p99 above 2s", "runbook": "see the wiki"},
        ),
    )
    [alert] = alerts(api)
    rita = web_user(api, "rita")
    page = rita.get(f"/alerts/{alert['id']}")
    assert page.status_code == 200
    text = page.text
    assert "label service=checkout-api is owned by checkout in the catalog" in text
    assert re.search(r'class="route-step skipped"><span class="step-title">Labels<', text)
    decided = re.findall(r'class="route-step decided"><span class="step-title">([^<]+)<', text)
    assert decided == ["Service catalog"]
    assert 'class="route-step not_reached"><span class="step-title">Triage team<' in text
    assert '<code>alertname</code></td><td class="value">CheckoutSlow</td>' in text
    assert '<code>summary</code></td><td class="value">p99 above 2s</td>' in text
    assert '<a href="http://prometheus:9090/graph" rel="noopener noreferrer">Source</a>' in text
    assert '<a href="/incidents/INC-1">INC-1</a>' in text
    assert "1 occurrence<" in text
    assert "Silence alerts like this" in text


def test_an_alert_routed_by_its_team_label_says_so(api: Harness) -> None:
    send(api, am_alert("Anything", team="platform", severity="critical"))
    [alert] = alerts(api)
    text = web_user(api, "rita").get(f"/alerts/{alert['id']}").text
    decided = re.findall(r'class="route-step decided"><span class="step-title">([^<]+)<', text)
    assert decided == ["Labels"]
    assert "Owned by <strong>platform</strong>: label team=platform" in text


def test_an_unknown_alert_is_a_404_page(api: Harness) -> None:
    response = web_user(api, "rita").get("/alerts/999")
    assert response.status_code == 404
    assert "alert 999 does not exist" in response.text


def disk_filling(api: Harness) -> dict[str, int]:
    """Alerts waiting 15 minutes (rule slow-burn) before they start anything, and one that
    started an incident at once."""
    send(
        api,
        am_alert("DiskFilling", instance="db-1", env="production", service="postgres-primary"),
        am_alert("DiskFilling", instance="db-2", env="production", service="postgres-primary"),
        am_alert("DiskFilling", instance="web-1", env="production", service="checkout-api"),
        am_alert("DiskFull", instance="db-1", env="production", service="postgres-primary"),
        group_key="disks",
    )
    return {
        f"{a['labels']['alertname']} {a['labels']['instance']}": a["id"]
        for a in alerts(api)
        if a["status"] == "firing"
    }


def test_a_silence_made_from_an_alerts_labels_previews_and_silences_exactly_its_matches(
    api: Harness,
) -> None:
    ids = disk_filling(api)
    rita = web_user(api, "rita")

    new = rita.get(f"/alerts/silences/new?alert={ids['DiskFilling db-1']}")
    assert new.status_code == 200
    assert textarea(new.text) == [
        'alertname="DiskFilling"',
        'env="production"',
        'instance="db-1"',
        'service="postgres-primary"',
    ]
    assert previewed(new.text) == [ids["DiskFilling db-1"]]

    matchers = 'alertname="DiskFilling"\ninstance=~"db-.*"'
    query = "/alerts/silences/preview?" + urlencode({"matchers": matchers})
    live = rita.get(query, headers={"HX-Request": "true"})
    assert live.status_code == 200
    assert "<html" not in live.text
    opened = rita.get(query)  # the same URL opened as a page: the whole form, with the preview
    assert "<html" in opened.text
    assert sorted(previewed(opened.text)) == sorted(previewed(live.text))
    assert sorted(previewed(live.text)) == [ids["DiskFilling db-1"], ids["DiskFilling db-2"]]
    assert "<strong>2</strong> open alerts would be silenced" in live.text

    no_js = rita.post("/alerts/silences", {"matchers": matchers, "intent": "preview"})
    assert no_js.status_code == 200
    assert sorted(previewed(no_js.text)) == sorted(previewed(live.text))
    assert api.ok("GET", "/api/v1/silences") == []

    form = {"matchers": matchers, "duration": "2h", "comment": "disks swapped tonight"}
    created = rita.post("/alerts/silences", form)
    assert created.status_code == 303
    [silence] = api.ok("GET", "/api/v1/silences")
    assert created.headers["location"] == f"/alerts/silences#silence-{silence['id']}"
    assert silence["matchers"] == ['alertname="DiskFilling"', 'instance=~"db-.*"']
    assert silence["created_by"] == "rita" and silence["active"] is True

    api.clock.advance(minutes=16)  # the slow-burn rule looks at the waiting alerts again
    api.drain()
    after = {a["id"]: a for a in alerts(api)}
    for name in ("DiskFilling db-1", "DiskFilling db-2"):
        assert after[ids[name]]["muted_by"] == f"silence {silence['id']}: disks swapped tonight"
        assert after[ids[name]]["decision"] == "muted"
        assert after[ids[name]]["incident"] is None
    assert after[ids["DiskFilling web-1"]]["muted_by"] is None
    assert after[ids["DiskFilling web-1"]]["incident"] is not None

    listing = rita.get("/alerts/silences")
    assert 'code class="matcher">instance=~&#34;db-.*&#34;</code>' in listing.text
    assert f"Expire silence {silence['id']}" in listing.text


def test_the_preview_says_when_a_match_already_started_an_incident(api: Harness) -> None:
    ids = disk_filling(api)
    rita = web_user(api, "rita")
    page = rita.get("/alerts/silences/preview?" + urlencode({"matchers": 'alertname="DiskFull"'}))
    assert previewed(page.text) == [ids["DiskFull db-1"]]
    assert "already started: a silence does not stop it" in page.text


def test_expiring_a_silence_from_the_page(api: Harness) -> None:
    rita = web_user(api, "rita")
    form = {"matchers": 'alertname="DiskFull"', "duration": "1h", "comment": "swap"}
    assert rita.post("/alerts/silences", form).status_code == 303
    [silence] = api.ok("GET", "/api/v1/silences")
    expired = rita.post(f"/alerts/silences/{silence['id']}/expire")
    assert expired.status_code == 303
    assert expired.headers["location"] == "/alerts/silences"
    assert api.ok("GET", "/api/v1/silences") == []
    again = rita.post(f"/alerts/silences/{silence['id']}/expire")
    assert again.status_code == 409
    assert f"silence {silence['id']} has already ended" in again.text


def test_a_bad_matcher_names_the_field_as_the_api_does(api: Harness) -> None:
    rita = web_user(api, "rita")
    form = {"matchers": "alertname~~Disk", "duration": "1h", "comment": "x"}
    response = rita.post("/alerts/silences", form)
    answer = api.post(
        "/api/v1/silences", json={"matchers": ["alertname~~Disk"], "duration": "1h", "comment": "x"}
    )
    assert response.status_code == answer.status_code == 422
    assert answer.json()["error"]["field"] == "matchers"
    assert "Field: <code>matchers</code>" in response.text
    assert api_message(answer) in response.text
    preview = rita.get("/alerts/silences/preview?matchers=alertname~~Disk")
    assert preview.status_code == 200
    assert "Field: <code>matchers</code>" in preview.text
    assert "invalid matcher" in preview.text
    assert api.ok("GET", "/api/v1/silences", params={"expired": True}) == []


def test_a_silence_without_matchers_or_comment_is_refused_as_the_api_refuses_it(
    api: Harness,
) -> None:
    rita = web_user(api, "rita")
    for form, body, field in (
        ({"matchers": "", "duration": "1h", "comment": "x"}, {"matchers": []}, "matchers"),
        ({"matchers": "a=b", "duration": "1h"}, {"matchers": ["a=b"]}, "comment"),
        (
            {"matchers": "a=b", "duration": "soon", "comment": "x"},
            {"matchers": ["a=b"], "comment": "x"},
            "duration",
        ),
    ):
        response = rita.post("/alerts/silences", form)
        answer = api.post("/api/v1/silences", json={"duration": form["duration"], **body})
        assert response.status_code == answer.status_code == 422, (form, response.text)
        assert answer.json()["error"]["field"] == field
        assert f"Field: <code>{field}</code>" in response.text


def test_maintenance_windows_are_started_and_ended_from_the_page(api: Harness) -> None:
    rita = web_user(api, "rita")
    page = rita.get("/alerts/maintenance")
    assert page.status_code == 200
    assert '<option value="postgres-primary">' in page.text
    form = {"service": "postgres-primary", "duration": "1h", "comment": "failover drill"}
    created = rita.post("/alerts/maintenance", form)
    assert created.status_code == 303
    [window] = api.ok("GET", "/api/v1/maintenance")
    assert (window["service"], window["comment"], window["active"]) == (
        "postgres-primary",
        "failover drill",
        True,
    )
    assert f"End maintenance {window['id']}" in rita.get("/alerts/maintenance").text

    send(api, am_alert("DiskFull", service="postgres-primary", instance="db-1"))
    [alert] = alerts(api)
    assert alert["muted_by"] == f"maintenance {window['id']}: failover drill"

    ended = rita.post(f"/alerts/maintenance/{window['id']}/end")
    assert ended.status_code == 303
    assert api.ok("GET", "/api/v1/maintenance") == []


def test_maintenance_for_an_unknown_service_names_the_field(api: Harness) -> None:
    rita = web_user(api, "rita")
    form = {"service": "no-such", "duration": "1h", "comment": "x"}
    response = rita.post("/alerts/maintenance", form)
    answer = api.post("/api/v1/maintenance", json=form)
    assert response.status_code == answer.status_code == 422
    assert "Field: <code>service</code>" in response.text
    assert api_message(answer) in response.text


def test_integrations_show_counters_to_everyone_and_keys_to_admins_only(api: Harness) -> None:
    assert api.client.post(f"/ingest/webhook/{HOOK_KEY}", content=b"{not json").status_code == 400
    answer = api.ingest(f"/ingest/webhook/{HOOK_KEY}", json={"title": "Queue backlog", "id": "q1"})
    assert answer.status_code == 200
    api.drain()
    counters = next(i for i in api.ok("GET", "/api/v1/integrations") if i["slug"] == "hook")
    assert counters["counters"] == {"accepted": 1, "malformed": 1}

    rita = web_user(api, "rita")
    page = rita.get("/alerts/integrations")
    assert page.status_code == 200
    assert '<span class="chip ok">accepted 1</span>' in page.text
    assert '<span class="chip refused">malformed 1</span>' in page.text
    assert '<span class="chip">opened 1</span>' in page.text
    assert HOOK_KEY not in page.text
    assert "am-test-key-0123456789" not in page.text
    assert "only admins see them" in page.text

    ada = web_user(api, "ada", UserRole.ADMIN)
    admin_page = ada.get("/alerts/integrations").text
    assert f'<code class="value">{HOOK_KEY}</code>' in admin_page
    assert f"/ingest/webhook/{HOOK_KEY}" in admin_page
    assert "/ingest/alertmanager/am-test-key-0123456789" in admin_page
    assert "/v2/enqueue" in admin_page


def viewer_with_things_to_refuse(api: Harness) -> tuple[Browser, int, int]:
    ids = disk_filling(api)
    silence = api.ok(
        "POST",
        "/api/v1/silences",
        json={"matchers": ['alertname="DiskFull"'], "duration": "1h", "comment": "x"},
    )
    return web_user(api, "vera", UserRole.VIEWER), ids["DiskFilling db-1"], silence["id"]


def test_a_viewer_sees_alerts_but_no_silence_forms(api: Harness) -> None:
    vera, alert_id, silence_id = viewer_with_things_to_refuse(api)
    alert_page = vera.get(f"/alerts/{alert_id}")
    assert alert_page.status_code == 200
    assert "Silence alerts like this" not in alert_page.text
    silences = vera.get("/alerts/silences")
    assert silences.status_code == 200
    assert f"silence-{silence_id}" in silences.text
    assert "/expire" not in silences.text and "New silence" not in silences.text
    new = vera.get(f"/alerts/silences/new?alert={alert_id}")
    assert new.status_code == 200
    assert 'method="post" action="/alerts/silences"' not in new.text
    assert 'method="get" action="/alerts/silences/new"' in new.text
    assert previewed(new.text) == [alert_id]
    maintenance = vera.get("/alerts/maintenance")
    assert 'action="/alerts/maintenance"' not in maintenance.text


def test_a_viewers_silence_and_maintenance_posts_are_refused(api: Harness) -> None:
    vera, _alert_id, silence_id = viewer_with_things_to_refuse(api)
    form = {"matchers": 'alertname="DiskFilling"', "duration": "1h", "comment": "x"}
    for path, data in (
        ("/alerts/silences", form),
        ("/alerts/silences", {**form, "intent": "preview"}),
        (f"/alerts/silences/{silence_id}/expire", {}),
        ("/alerts/maintenance", {"service": "postgres-primary", "duration": "1h", "comment": "x"}),
        (f"/alerts/maintenance/{silence_id}/end", {}),
    ):
        refused = vera.post(path, data)
        assert refused.status_code == 403, path
        assert "vera is a viewer; this needs a responder or above" in refused.text
    assert [s["id"] for s in api.ok("GET", "/api/v1/silences")] == [silence_id]
    assert api.ok("GET", "/api/v1/maintenance") == []


def test_a_silence_form_without_the_csrf_token_is_refused(api: Harness) -> None:
    rita = web_user(api, "rita")
    form = {"matchers": 'alertname="DiskFull"', "duration": "1h", "comment": "x"}
    refused = rita.post("/alerts/silences", form, csrf=False)
    assert refused.status_code == 403
    assert "CSRF token is missing or stale" in refused.text
    assert (
        rita.post("/alerts/silences", {**form, "csrf_token": "0" * 64}, csrf=False).status_code
        == 403
    )
    assert api.ok("GET", "/api/v1/silences") == []


def test_a_script_in_an_alert_label_is_escaped_on_every_alert_page(api: Harness) -> None:
    send(
        api,
        am_alert(
            "DiskFull",
            note=ATTACK,
            service="postgres-primary",
            annotations={"summary": ATTACK},
        ),
    )
    [alert] = alerts(api)
    assert alert["labels"]["note"] == ATTACK
    rita = web_user(api, "rita")
    for path in (
        "/alerts",
        f"/alerts/{alert['id']}",
        f"/alerts/silences/new?alert={alert['id']}",
        "/alerts/silences/preview?" + urlencode({"matchers": 'alertname="DiskFull"'}),
    ):
        page = rita.get(path)
        assert page.status_code == 200, path
        assert ATTACK not in page.text, path
        assert ESCAPED in page.text, path
