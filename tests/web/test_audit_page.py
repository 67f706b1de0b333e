"""The audit log page: admins only, showing who changed what from where, before and after."""

from __future__ import annotations

from tests.support.api import Harness
from tests.support.web import web_user
from warroom.auth.models import UserRole


def test_an_admin_sees_who_changed_an_incident_from_the_web(api: Harness) -> None:
    rita = web_user(api, "rita")
    rita.post("/incidents", {"title": "Checkout down", "team": "payments", "severity": "SEV2"})
    rita.post("/incidents/INC-1/severity", {"severity": "SEV1", "reason": "all regions"})
    ada = web_user(api, "ada", UserRole.ADMIN)
    page = ada.get("/audit?object_id=INC-1")
    assert page.status_code == 200
    rows = page.text.split("<tbody>")[1]
    assert "rita" in rows
    assert "session" in rows
    assert "INC-1" in rows
    assert "<code>severity</code>: SEV2 → SEV1" in rows


def test_only_admins_see_the_audit_log(api: Harness) -> None:
    for role in (UserRole.VIEWER, UserRole.RESPONDER, UserRole.TEAM_MANAGER):
        client = web_user(api, f"user-{role.value}", role)
        response = client.get("/audit")
        assert response.status_code == 403
        assert 'href="/audit"' not in client.get("/incidents").text


def test_the_audit_page_has_no_form_that_changes_it(api: Harness) -> None:
    ada = web_user(api, "ada", UserRole.ADMIN)
    page = ada.get("/audit").text
    assert 'method="post"' not in page.split("<main")[1]
