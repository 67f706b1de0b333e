"""Postmortems through the API: the draft from the incident, the close gate and its admin
override, revisions with a diff, publishing, search and export."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.auth.audit_helpers import entries
from tests.incidents.helpers import INCIDENTS, act, error_of
from tests.support.api import Harness
from warroom.auth.models import UserRole

NINE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


def pm(ref: str = "INC-1") -> str:
    return f"{INCIDENTS}/{ref}/postmortem"


def resolved_sev1(api: Harness, **fields: Any) -> dict[str, Any]:
    incident = api.declare(
        impact_started_at=(NINE - timedelta(minutes=10)).isoformat(),
        summary="Card payments time out at the PSP.",
        affected_users=1200,
        services=["payments-api"],
        **fields,
    )
    ref = incident["ref"]
    api.ok("POST", f"{INCIDENTS}/{ref}/roles", json={"role": "lead"})
    api.clock.advance(minutes=4)
    act(api, "acknowledge", ref)
    api.clock.advance(minutes=20)
    act(api, "mitigate", ref)
    api.clock.advance(minutes=30)
    act(api, "resolve", ref)
    api.drain()
    return incident


def test_resolving_a_sev1_generates_the_draft_with_durations_timeline_and_responders(
    api: Harness,
) -> None:
    resolved_sev1(api)
    body = api.ok("GET", pm())
    assert body["status"] == "draft"
    assert body["revision"] == 1
    assert body["required"] is True
    assert body["title"] == "INC-1: Checkout returns 503"
    assert body["reviewer"]["username"] == "admin"
    content = body["content"]
    assert content["summary"] == "Card payments time out at the PSP."
    assert "- Affected users: 1200" in content["impact"]
    assert "- Services: payments-api" in content["impact"]
    assert content["durations"] == {
        "time_to_detect": 600.0,
        "time_to_acknowledge": 240.0,
        "time_to_mitigate": 1440.0,
        "time_to_resolve": 3240.0,
    }
    kinds = [line["kind"] for line in content["timeline"]]
    assert kinds[0] == "declared"
    assert kinds.count("status_changed") == 3
    assert "role_assigned" in kinds
    assert [r["username"] for r in content["responders"]] == ["admin"]
    assert content["responders"][0]["roles"] == ["lead"]
    # Resolved Monday 09:54 Prague time + 5 working days = the next Monday, same time.
    assert datetime.fromisoformat(body["due_at"]) == NINE + timedelta(days=7, minutes=54)


def test_pinned_entries_come_first_in_the_draft(api: Harness) -> None:
    api.declare()
    note = api.ok(
        "POST", f"{INCIDENTS}/INC-1/notes", json={"text": "PSP status page says degraded"}
    )
    api.ok("POST", f"{INCIDENTS}/INC-1/timeline/{note['id']}/pin", json={"pinned": True})
    api.clock.advance(minutes=5)
    act(api, "resolve")
    api.drain()
    timeline = api.ok("GET", pm())["content"]["timeline"]
    assert timeline[0]["text"] == "PSP status page says degraded"
    assert timeline[0]["pinned"] is True
    assert all(not line["pinned"] for line in timeline[1:])


def test_closing_a_sev1_is_refused_until_its_postmortem_is_published(api: Harness) -> None:
    resolved_sev1(api)
    refused = api.post(f"{INCIDENTS}/INC-1/actions/close")
    error = error_of(refused, 409, "postmortem_required")
    assert "INC-1 needs a published postmortem" in error["message"]
    assert "still a draft" in error["message"]
    api.ok("POST", f"{pm()}/publish")
    closed = act(api, "close")
    assert closed["status"] == "closed"


def test_an_incident_whose_severity_needs_no_postmortem_closes_without_one(api: Harness) -> None:
    api.declare(severity="SEV3")
    act(api, "resolve")
    api.drain()
    assert act(api, "close")["status"] == "closed"
    assert api.get(pm()).status_code == 404


def test_an_admin_may_close_anyway_with_a_reason_that_the_audit_log_keeps(api: Harness) -> None:
    resolved_sev1(api)
    reason = "duplicate of INC-7, reviewed there"
    closed = act(api, "close", json={"override_postmortem": reason})
    assert closed["status"] == "closed"
    body = api.ok("GET", pm())
    assert body["waived_reason"] == reason
    assert body["status"] == "draft"
    [entry] = [
        e for e in entries(api.engine, object_type="postmortem") if e.action.value == "update"
    ]
    assert entry.actor == "admin"
    assert entry.after is not None and entry.after["waived_reason"] == reason


def test_a_responder_may_not_override_the_close_gate(api: Harness) -> None:
    resolved_sev1(api)
    bob = api.user("bob", UserRole.RESPONDER)
    refused = api.post(
        f"{INCIDENTS}/INC-1/actions/close", token=bob, json={"override_postmortem": "trust me"}
    )
    error_of(refused, 403, "forbidden")
    assert api.ok("GET", f"{INCIDENTS}/INC-1")["status"] == "resolved"
    assert api.ok("GET", pm())["waived_reason"] is None


def test_the_override_applies_to_closing_only(api: Harness) -> None:
    resolved_sev1(api)
    response = api.post(f"{INCIDENTS}/INC-1/actions/reopen", json={"override_postmortem": "x"})
    assert error_of(response, 422)["field"] == "override_postmortem"


def test_publishing_before_resolve_is_refused(api: Harness) -> None:
    api.declare()
    assert api.post(pm()).status_code == 201
    assert api.post(pm()).status_code == 200  # it exists: unchanged
    error_of(api.post(f"{pm()}/publish"), 409, "incident_not_resolved")


def _edit(body: dict[str, Any], **changes: Any) -> dict[str, Any]:
    content = dict(body["content"])
    content.update(changes)
    return content


def test_every_save_is_a_revision_and_a_stale_one_is_refused(api: Harness) -> None:
    resolved_sev1(api)
    first = api.ok("GET", pm())
    five_whys = [{"why": "Why did payments time out?", "because": "The PSP pool was 5."}]
    saved = api.ok(
        "PUT",
        pm(),
        json={"content": _edit(first, five_whys=five_whys), "base_revision": 1, "note": "whys"},
    )
    assert saved["revision"] == 2
    stale = api.request(
        "PUT", pm(), json={"content": _edit(first, went_well="x"), "base_revision": 1}
    )
    error_of(stale, 409, "stale_revision")
    revisions = api.ok("GET", f"{pm()}/revisions")
    assert [(r["number"], r["note"]) for r in revisions] == [
        (2, "whys"),
        (1, "draft generated from the incident"),
    ]
    diff = api.ok("GET", f"{pm()}/diff", params={"from": 1, "to": 2})["diff"]
    assert "+1. **Why did payments time out?** The PSP pool was 5." in diff
    assert "-_Not written yet._" in diff
    old = api.ok("GET", f"{pm()}/revisions/1")
    assert old["content"]["five_whys"] == []


def test_a_save_with_unknown_fields_is_refused_and_changes_nothing(api: Harness) -> None:
    resolved_sev1(api)
    body = api.ok("GET", pm())
    content = _edit(body, detection={"alert_fired": "perhaps"})
    response = api.request("PUT", pm(), json={"content": content})
    error = error_of(response, 422)
    assert "alert_fired" in error["field"]
    assert api.ok("GET", pm())["revision"] == 1


def test_blameless_lint_warns_when_a_person_is_named_as_the_cause(api: Harness) -> None:
    api.user("alice")
    resolved_sev1(api)
    body = api.ok("GET", pm())
    content = _edit(
        body,
        summary="Alice forgot to raise the pool size. The deploy went out at 09:00.",
        went_well="Rollback took two minutes. It was human error.",
    )
    saved = api.ok("PUT", pm(), json={"content": content})
    warnings = [(w["section"], w["person"], w["sentence"]) for w in saved["warnings"]]
    assert warnings == [
        ("summary", "alice", "Alice forgot to raise the pool size."),
        ("went_well", None, "It was human error."),
    ]
    assert saved["revision"] == 2  # a warning, never a block


def test_only_published_postmortems_are_found(api: Harness) -> None:
    resolved_sev1(api, title="Checkout PSP connection pool exhausted")
    api.declare(title="Search index rebuild stuck", severity="SEV2")
    act(api, "resolve", "INC-2")
    api.drain()
    assert api.ok("GET", "/api/v1/postmortems/search", params={"q": "pool exhausted"}) == []
    api.ok("POST", f"{pm()}/publish")
    hits = api.ok("GET", "/api/v1/postmortems/search", params={"q": "pool exhausted"})
    assert [h["incident"] for h in hits] == ["INC-1"]
    assert api.ok("GET", "/api/v1/postmortems/search", params={"q": "search rebuild"}) == []
    api.ok("POST", f"{pm('INC-2')}/publish")
    hits = api.ok("GET", "/api/v1/postmortems/search", params={"q": "rebuild"})
    assert [h["incident"] for h in hits] == ["INC-2"]
    # Words of a later edit are found; the old ones are gone.
    body = api.ok("GET", pm())
    api.ok("PUT", pm(), json={"content": _edit(body, summary="Redis eviction storm")})
    hits = api.ok("GET", "/api/v1/postmortems/search", params={"q": "eviction"})
    assert [h["incident"] for h in hits] == ["INC-1"]
    # Unpublished: out of the search.
    api.ok("POST", f"{pm()}/unpublish")
    assert api.ok("GET", "/api/v1/postmortems/search", params={"q": "eviction"}) == []


def test_search_words_are_never_query_syntax(api: Harness) -> None:
    resolved_sev1(api)
    api.ok("POST", f"{pm()}/publish")
    for query in ['"unbalanced', "AND OR NOT", "pool*)", "NEAR(", "-"]:
        response = api.get("/api/v1/postmortems/search", params={"q": query})
        assert response.status_code == 200, (query, response.text)


def test_export_as_markdown_and_pdf(api: Harness) -> None:
    resolved_sev1(api)
    md = api.get(f"{pm()}.md")
    assert md.status_code == 200
    assert md.headers["content-type"] == "text/markdown; charset=utf-8"
    assert md.text.startswith("# INC-1: Checkout returns 503\n")
    assert "| 10m | 4m | 24m | 54m |" in md.text
    pdf = api.get(f"{pm()}.pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert len(pdf.content) > 2000


def test_a_factor_needs_a_category_of_the_taxonomy(api: Harness) -> None:
    resolved_sev1(api)
    response = api.post(
        f"{pm()}/factors", json={"category": "bad-luck", "description": "it happened"}
    )
    error = error_of(response, 422)
    assert error["field"] == "category"
    assert "technical-failure" in error["message"]
    made = api.ok(
        "POST",
        f"{pm()}/factors",
        json={
            "category": "capacity",
            "description": "Pool of 5 connections",
            "tags": ["DB-Pool", "db-pool"],
            "service": "payments-api",
        },
    )
    assert made["tags"] == ["db-pool"]
    assert made["recurs_in"] == []
    assert [f["category"] for f in api.ok("GET", pm())["factors"]] == ["capacity"]
    assert api.request("DELETE", f"{pm()}/factors/{made['id']}").status_code == 204
    assert api.ok("GET", pm())["factors"] == []


def test_a_viewer_reads_but_cannot_write(api: Harness) -> None:
    resolved_sev1(api)
    viewer = api.user("vera", UserRole.VIEWER)
    assert api.get(pm(), token=viewer).status_code == 200
    error_of(api.post(f"{pm()}/publish", token=viewer), 403, "forbidden")
