"""The incidents list and the war room: every action of the CLI as a form, the viewer's
read-only view, user text escaped."""

from __future__ import annotations

import html

from tests.support.api import Harness
from tests.support.web import web_user
from warroom.auth.models import UserRole


def test_a_responder_declares_and_runs_an_incident_from_the_page(api: Harness) -> None:
    rita = web_user(api, "rita")
    declared = rita.post(
        "/incidents",
        {"title": "Checkout down", "team": "payments", "severity": "SEV2", "services": ""},
    )
    assert declared.status_code == 303
    assert declared.headers["location"] == "/incidents/INC-1"
    page = rita.get("/incidents/INC-1")
    assert page.status_code == 200
    assert "Checkout down" in page.text
    assert rita.post("/incidents/INC-1/roles", {"role": "lead"}).status_code == 303
    assert rita.post("/incidents/INC-1/actions/acknowledge").status_code == 303
    assert rita.post("/incidents/INC-1/notes", {"text": "rolled back v41"}).status_code == 303
    update = {"text": "Payments degraded", "audience": "internal"}
    assert rita.post("/incidents/INC-1/updates", update).status_code == 303
    incident = api.ok("GET", "/api/v1/incidents/INC-1")
    assert incident["status"] == "acknowledged"
    assert incident["roles"]["lead"]["username"] == "rita"
    kinds = [e["kind"] for e in api.ok("GET", "/api/v1/incidents/INC-1/timeline")["entries"]]
    assert "note" in kinds and "status_update" in kinds and "role_assigned" in kinds


def test_a_refused_action_shows_the_reason_not_a_500(api: Harness) -> None:
    rita = web_user(api, "rita")
    api.declare()
    response = rita.post("/incidents/INC-1/actions/close")
    assert response.status_code == 409
    assert "close" in response.text.lower()


def test_a_bad_form_names_the_field(api: Harness) -> None:
    rita = web_user(api, "rita")
    response = rita.post("/incidents", {"title": "Checkout down", "team": "no-such-team"})
    api_answer = api.post(
        "/api/v1/incidents", json={"title": "Checkout down", "team": "no-such-team"}
    )
    assert response.status_code == api_answer.status_code == 422
    assert "Field: <code>team</code>" in response.text
    assert (
        html.escape(api_answer.json()["error"]["message"]).replace("&#x27;", "&#39;")
        in response.text
    )


def test_a_viewer_sees_no_action_buttons_and_the_server_refuses_anyway(api: Harness) -> None:
    api.declare()
    vera = web_user(api, "vera", UserRole.VIEWER)
    page = vera.get("/incidents/INC-1")
    assert page.status_code == 200
    assert 'data-action="acknowledge"' not in page.text
    assert "/notes" not in page.text
    refused = vera.post("/incidents/INC-1/actions/acknowledge")
    assert refused.status_code == 403
    assert "vera is a viewer; this needs a responder or above" in refused.text
    assert api.ok("GET", "/api/v1/incidents/INC-1")["status"] == "triggered"


def test_user_text_is_escaped_everywhere_on_the_page(api: Harness) -> None:
    rita = web_user(api, "rita")
    attack = "<script>alert(1)</script>"
    api.declare(title=f"Down {attack}", summary=attack)
    rita.post("/incidents/INC-1/notes", {"text": attack})
    page = rita.get("/incidents/INC-1").text
    assert attack not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
