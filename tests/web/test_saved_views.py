"""Saved views of the incidents list: a team lead saves a filter, shares it with the team."""

from __future__ import annotations

from tests.support.api import Harness
from tests.support.web import web_user
from warroom.auth.models import UserRole


def test_a_lead_saves_a_view_and_the_team_sees_it(api: Harness) -> None:
    api.declare(title="Payments slow", team="payments", severity="SEV2")
    api.declare(title="Checkout down", team="checkout", severity="SEV1")
    lead = web_user(api, "lena", UserRole.TEAM_MANAGER, teams=("payments",))
    saved = lead.post(
        "/incidents/views",
        {"name": "Payments open", "query": "team=payments&status=triggered", "team": "payments"},
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == "/incidents?team=payments&status=triggered"
    view = lead.get(saved.headers["location"]).text
    assert "Payments slow" in view and "Checkout down" not in view
    mate = web_user(api, "max", UserRole.RESPONDER, teams=("payments",))
    assert 'href="/incidents?team=payments&amp;status=triggered"' in mate.get("/incidents").text
    outsider = web_user(api, "otto", UserRole.RESPONDER, teams=("checkout",))
    assert "Payments open" not in outsider.get("/incidents").text


def test_a_view_cannot_be_shared_with_a_team_one_is_not_in(api: Harness) -> None:
    rita = web_user(api, "rita", UserRole.RESPONDER, teams=("checkout",))
    refused = rita.post("/incidents/views", {"name": "Theirs", "query": "", "team": "payments"})
    assert refused.status_code == 422
    assert "rita is not a member of team payments" in refused.text


def test_only_the_owner_deletes_a_view(api: Harness) -> None:
    lead = web_user(api, "lena", UserRole.TEAM_MANAGER, teams=("payments",))
    lead.post("/incidents/views", {"name": "Mine", "query": "team=payments", "team": "payments"})
    mate = web_user(api, "max", UserRole.RESPONDER, teams=("payments",))
    page = mate.get("/incidents").text
    assert "Mine" in page and "Delete view Mine" not in page
    assert mate.post("/incidents/views/1/delete").status_code == 404
    assert lead.post("/incidents/views/1/delete").status_code == 303
    assert "Mine" not in mate.get("/incidents").text
