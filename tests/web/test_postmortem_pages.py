"""Postmortem and action-item pages: the draft, the editor with its sanitised preview,
revisions, factors and items as forms, publishing, search, the action-item list, and the
viewer's read-only view."""

from __future__ import annotations

import html

from tests.incidents.helpers import act
from tests.support.api import Harness
from tests.support.web import web_user
from warroom.auth.models import UserRole

PM = "/incidents/INC-1/postmortem"


def _resolved(api: Harness) -> None:
    api.declare(title="PSP pool exhausted", services=["payments-api"])
    act(api, "resolve")
    api.drain()


def _form(**changes: str) -> dict[str, str]:
    form = {
        "title": "INC-1: PSP pool exhausted",
        "summary": "Checkout failed for 20 minutes.",
        "impact": "",
        "why_1": "Why did checkout fail?",
        "because_1": "The PSP connection pool was exhausted.",
        "alert_fired": "yes",
        "fired_late": "no",
        "ownership_clear": "yes",
        "runbook_right": "unknown",
        "earlier_signal": "",
        "detection_notes": "",
        "went_well": "",
        "got_lucky": "",
        "base_revision": "1",
    }
    form.update(changes)
    return form


def test_a_responder_writes_previews_saves_and_publishes_a_postmortem(api: Harness) -> None:
    _resolved(api)
    rita = web_user(api, "rita")
    war_room = rita.get("/incidents/INC-1")
    assert f'href="{PM}"' in war_room.text
    page = rita.get(PM)
    assert page.status_code == 200
    assert "Contributing factors" in page.text and "Publish" in page.text
    editor = rita.get(f"{PM}/edit")
    assert editor.status_code == 200
    assert 'name="base_revision" value="1"' in editor.text
    script = "<script>alert(1)</script> **bold**"
    preview = rita.post(f"{PM}/preview", _form(summary=script), headers={"HX-Request": "true"})
    assert preview.status_code == 200
    assert preview.text.startswith('<article class="document" id="preview">')
    assert "<script>" not in preview.text
    assert html.escape("<script>alert(1)</script>", quote=False) in preview.text
    assert "<strong>bold</strong>" in preview.text
    no_js = rita.post(f"{PM}/preview", _form(summary="plain words"))
    assert no_js.status_code == 200 and "<title>Edit postmortem INC-1" in no_js.text
    assert "plain words" in no_js.text
    saved = rita.post(PM, _form(summary=script, note="first pass"))
    assert saved.status_code == 303 and saved.headers["location"] == PM
    body = api.ok("GET", "/api/v1/incidents/INC-1/postmortem")
    assert body["revision"] == 2
    assert body["content"]["summary"] == script
    assert body["content"]["five_whys"] == [
        {"why": "Why did checkout fail?", "because": "The PSP connection pool was exhausted."}
    ]
    assert body["content"]["detection"]["alert_fired"] == "yes"
    shown = rita.get(PM).text
    assert "<script>alert(1)</script>" not in shown
    stale = rita.post(PM, _form(summary="late edit", base_revision="1"))
    assert stale.status_code == 409
    revisions = rita.get(f"{PM}/revisions", params={"from": 1, "to": 2})
    assert revisions.status_code == 200
    assert "+1. **Why did checkout fail?** The PSP connection pool was exhausted." in html.unescape(
        revisions.text
    )


def test_factors_items_publishing_search_and_the_action_list_from_the_pages(
    api: Harness,
) -> None:
    _resolved(api)
    rita = web_user(api, "rita")
    assert rita.post(PM, _form(note="whys")).status_code == 303
    factor = {
        "category": "capacity",
        "description": "Pool of 5",
        "service": "payments-api",
        "tags": "db-pool",
    }
    added = rita.post(f"{PM}/factors", factor)
    assert added.status_code == 303, added.text[-800:]
    [made] = api.ok("GET", "/api/v1/incidents/INC-1/postmortem")["factors"]
    item = {
        "title": "Improve monitoring",
        "team": "payments",
        "due_on": "2026-03-20",
        "kind": "detect",
        "priority": "high",
        "owner": "rita",
        "factor_id": str(made["id"]),
    }
    assert rita.post("/incidents/INC-1/action-items", item).status_code == 303
    page = rita.get(PM).text
    assert "Improve monitoring" in page and "name a measurable outcome" in page
    assert rita.post(f"{PM}/publish").status_code == 303
    assert api.ok("GET", "/api/v1/incidents/INC-1/postmortem")["status"] == "published"
    found = rita.get("/postmortems", params={"q": "connection pool"})
    assert f'href="{PM}"' in found.text
    assert "Nothing found." not in found.text
    actions = rita.get("/actions", params={"team": "payments"})
    assert "Improve monitoring" in actions.text
    [row] = api.ok("GET", "/api/v1/action-items")
    assert rita.post(f"/actions/{row['id']}/complete").status_code == 303
    assert api.ok("GET", f"/api/v1/action-items/{row['id']}")["status"] == "done"


def test_a_bad_item_form_names_the_field(api: Harness) -> None:
    _resolved(api)
    rita = web_user(api, "rita")
    rita.post(f"{PM}/draft")
    response = rita.post(
        "/incidents/INC-1/action-items",
        {"title": "Add alert", "team": "payments", "due_on": "soon", "kind": "detect"},
    )
    assert response.status_code == 422
    assert "due_on" in response.text
    assert api.ok("GET", "/api/v1/action-items") == []


def test_a_viewer_sees_no_forms_and_the_server_refuses_them(api: Harness) -> None:
    _resolved(api)
    api.ok("POST", "/api/v1/incidents/INC-1/postmortem")
    vera = web_user(api, "vera", UserRole.VIEWER)
    page = vera.get(PM)
    assert page.status_code == 200
    assert "Publish" not in page.text and "Add factor" not in page.text
    assert vera.get(f"{PM}/edit").status_code == 403
    assert vera.post(f"{PM}/publish").status_code == 403
    assert api.ok("GET", "/api/v1/incidents/INC-1/postmortem")["status"] == "draft"
