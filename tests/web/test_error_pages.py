"""The error pages: a project's issues with their counts, an issue with its stack trace,
source context, breadcrumbs, tags and releases, resolve and ignore as forms (refused to a
viewer and without a CSRF token), user text escaped, and release health per release.

Events and sessions go in through the Sentry endpoint, as SDKs send them, and the worker
turns them into issues (``api.drain()``)."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import Engine

from tests.errors.health_support import send_items, session_update
from tests.errors.support import error_app, make_envelope, post_envelope
from tests.support.api import Harness
from tests.support.web import web_user
from warroom.auth.models import UserRole

ATTACK = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture
def api(engine: Engine, tmp_path: Path) -> Iterator[Harness]:
    """The app of the page tests, with the error-tracking projects ``api`` (id 42, team
    payments) and ``web`` configured."""
    with error_app(engine, tmp_path) as harness:
        yield harness


def frame(function: str, lineno: int, in_app: bool, module: str = "app.views") -> dict[str, Any]:
    return {
        "filename": module.replace(".", "/") + ".py",
        "abs_path": "/srv/" + module.replace(".", "/") + ".py",
        "module": module,
        "function": function,
        "lineno": lineno,
        "pre_context": ["def charge(order):", "    total = order.total"],
        "context_line": f"    return {function}(total)",
        "post_context": ["", "def refund(order):"],
        "vars": {"order": "<Order 17>", "total": "Decimal('12.50')"},
        "in_app": in_app,
    }


def send_error(
    api: Harness,
    *,
    value: str = "card declined",
    function: str = "charge_card",
    release: str = "api@1.2.0",
    environment: str = "production",
    user: str = "u-1",
    tags: dict[str, str] | None = None,
) -> str:
    event_id = uuid.uuid4().hex
    event = {
        "event_id": event_id,
        "platform": "python",
        "level": "error",
        "release": release,
        "environment": environment,
        "exception": {
            "values": [
                {
                    "type": "PaymentError",
                    "value": value,
                    "mechanism": {"type": "generic", "handled": False},
                    "stacktrace": {
                        "frames": [
                            frame("dispatch", 88, False, "framework.handlers"),
                            frame(function, 42, True),
                        ]
                    },
                }
            ]
        },
        "breadcrumbs": {
            "values": [
                {
                    "timestamp": "2026-03-02T08:59:58Z",
                    "category": "http",
                    "type": "http",
                    "level": "info",
                    "message": "POST https://psp.example/charge",
                    "data": {"status_code": 402},
                },
                {
                    "timestamp": 1772441999.5,
                    "category": "payments",
                    "level": "warning",
                    "message": "retrying charge for order 17",
                },
            ]
        },
        "tags": {"region": "eu-west-1", "customer_tier": "gold", **(tags or {})},
        "user": {"id": user, "email": f"{user}@example.com"},
        "request": {"method": "POST", "url": "https://shop.example/checkout"},
        "contexts": {"runtime": {"name": "CPython", "version": "3.12.4"}},
    }
    body = make_envelope({"event_id": event_id}, ({"type": "event"}, orjson.dumps(event)))
    response = post_envelope(api, body)
    assert response.status_code == 200, response.text
    return event_id


def only_issue(api: Harness) -> dict[str, Any]:
    items: list[dict[str, Any]] = api.ok("GET", "/api/v1/errors/issues?status=unresolved")["items"]
    assert len(items) == 1
    return items[0]


def test_the_list_shows_the_issue_with_its_counts(api: Harness) -> None:
    send_error(api, user="u-1")
    send_error(api, user="u-2")
    send_error(api, user="u-2")
    api.drain()
    issue = only_issue(api)
    rita = web_user(api, "rita")
    page = rita.get("/errors?project=api")
    assert page.status_code == 200
    assert f'<a href="/errors/issues/{issue["id"]}"><strong>API-1</strong>' in page.text
    assert "PaymentError: card declined" in page.text
    assert '<td class="num"><span class="cell-label">Events </span>3</td>' in page.text
    assert '<td class="num"><span class="cell-label">Users </span>2</td>' in page.text
    assert "<td>payments</td>" in page.text
    assert "1 issue</p>" in page.text
    other = rita.get("/errors?project=api&environment=staging")
    assert "0 issues</p>" in other.text and "No issues match." in other.text
    assert "1 issue</p>" in rita.get("/errors?project=api&release=api@1.2.0").text
    assert "0 issues</p>" in rita.get("/errors?project=api&status=resolved").text
    assert "0 issues</p>" in rita.get("/errors?project=api&query=timeout").text
    assert rita.get("/errors?project=nope").status_code == 422


def test_the_list_sorts_by_last_seen_first_seen_events_and_users(api: Harness) -> None:
    first = {"value": "first kind", "function": "charge_card", "user": "u-1"}
    second = {"value": "second kind", "function": "refund_card"}
    for _ in range(2):
        send_error(api, **first)
    api.drain()
    api.clock.advance(minutes=1)
    for user in ("u-7", "u-8"):
        send_error(api, **second, user=user)
    api.drain()
    api.clock.advance(minutes=1)
    send_error(api, **first)
    api.drain()
    rita = web_user(api, "rita")
    titles = re.compile(r'<span class="issue-title">PaymentError: (\w+) kind</span>')
    expected = {
        "last_seen": ["first", "second"],
        "first_seen": ["second", "first"],
        "events": ["first", "second"],
        "users": ["second", "first"],
    }
    for sort, order in expected.items():
        assert titles.findall(rita.get(f"/errors?project=api&sort={sort}").text) == order, sort
        items = api.ok("GET", f"/api/v1/errors/issues?project=api&sort={sort}")["items"]
        assert [i["title"].split()[1] for i in items] == order, sort


def test_the_issue_page_shows_the_stack_trace_breadcrumbs_tags_and_release(api: Harness) -> None:
    send_error(api, user="u-1")
    latest = send_error(api, user="u-2", environment="staging", release="api@1.3.0")
    api.drain()
    issue = only_issue(api)
    rita = web_user(api, "rita")
    page = rita.get(f"/errors/issues/{issue['id']}")
    assert page.status_code == 200
    text = page.text
    assert f'<code class="event-id">{latest}</code>' in text
    # frames, most recent first, the in-app one highlighted and open, with its source
    assert text.index("charge_card") < text.index("dispatch")
    assert '<li class="frame in-app">\n    <details open>' in text
    assert '<li class="frame">\n    <details>' in text
    assert '<ol class="source" start="40" aria-label="Source around line 42" tabindex="0">' in text
    assert (
        '<li value="42" class="line current" aria-current="location">'
        "<code>    return charge_card(total)</code></li>"
    ) in text
    assert '<li value="41" class="line"><code>    total = order.total</code></li>' in text
    assert (
        '<th scope="row"><code>total</code></th><td><code>Decimal(&#39;12.50&#39;)</code>' in text
    )
    assert (
        '<span class="exc-type">PaymentError</span>: <span class="exc-value">card declined' in text
    )
    assert "mechanism generic · unhandled" in text
    # breadcrumbs
    assert "POST https://psp.example/charge" in text
    assert "<dt>status_code</dt><dd><code>402</code></dd>" in text
    assert "retrying charge for order 17" in text
    assert '<time datetime="2026-03-02T08:59:59.500000+00:00">' in text
    # tags with their value counts (of the issue's 2 events)
    assert '<h3 class="tag-key">region</h3>' in text
    assert '<span class="tag-value">eu-west-1</span> <span class="muted">2 (100%)</span>' in text
    assert '<span class="chip">customer_tier: gold</span>' in text
    # the latest event's release and environment, and every release and environment seen
    assert '<dd id="event-release"><code>api@1.3.0</code></dd>' in text
    assert '<dd id="event-environment">staging</dd>' in text
    assert "<code>api@1.2.0</code></a></td>\n            <td>production</td>" in text
    assert "<code>api@1.3.0</code></a></td>\n            <td>staging</td>" in text
    # user, request, contexts
    assert "<dt>email</dt><dd><code>u-2@example.com</code></dd>" in text
    assert "<code>POST https://shop.example/checkout</code>" in text
    assert "<dt>version</dt><dd><code>3.12.4</code></dd>" in text


def test_the_issue_page_navigates_between_the_kept_events(api: Harness) -> None:
    first = send_error(api, release="api@1.0.0")
    api.drain()
    second = send_error(api, release="api@1.1.0")
    api.drain()
    issue_id = only_issue(api)["id"]
    rita = web_user(api, "rita")
    latest = rita.get(f"/errors/issues/{issue_id}").text
    assert f'<a href="/errors/issues/{issue_id}?event={first}" rel="next">Older</a>' in latest
    assert "1 of 2 kept" in latest
    older = rita.get(f"/errors/issues/{issue_id}?event={first}").text
    assert f'<code class="event-id">{first}</code>' in older
    assert '<dd id="event-release"><code>api@1.0.0</code></dd>' in older
    assert f'<a href="/errors/issues/{issue_id}?event={second}" rel="prev">Newer</a>' in older
    assert rita.get(f"/errors/issues/{issue_id}?event={uuid.uuid4().hex}").status_code == 404


def test_resolve_ignore_and_unresolve_forms_change_the_issue(api: Harness) -> None:
    send_error(api)
    api.drain()
    issue_id = only_issue(api)["id"]
    path = f"/api/v1/errors/issues/{issue_id}"
    rita = web_user(api, "rita")
    page = rita.get(f"/errors/issues/{issue_id}").text
    assert f'action="/errors/issues/{issue_id}/resolve"' in page

    resolved = rita.post(
        f"/errors/issues/{issue_id}/resolve", {"mode": "in_release", "release": "api@1.3.0"}
    )
    assert resolved.status_code == 303
    assert resolved.headers["location"] == f"/errors/issues/{issue_id}"
    state = api.ok("GET", path)
    assert (state["status"], state["resolution"], state["resolved_in_release"]) == (
        "resolved",
        "in_release",
        "api@1.3.0",
    )
    assert "in api@1.3.0" in rita.get(f"/errors/issues/{issue_id}").text

    assert rita.post(f"/errors/issues/{issue_id}/unresolve").status_code == 303
    assert api.ok("GET", path)["status"] == "unresolved"

    ignored = rita.post(f"/errors/issues/{issue_id}/ignore", {"mode": "for_time", "minutes": "60"})
    assert ignored.status_code == 303
    state = api.ok("GET", path)
    assert (state["status"], state["ignore_mode"]) == ("ignored", "for_time")
    assert state["ignore_until"].startswith("2026-03-02T10:00:00")

    counted = {"mode": "until_users", "count": "5"}
    assert rita.post(f"/errors/issues/{issue_id}/ignore", counted).status_code == 303
    state = api.ok("GET", path)
    assert (state["ignore_mode"], state["ignore_count"]) == ("until_users", 5)
    assert "until 5 more users" in rita.get(f"/errors/issues/{issue_id}").text

    assert rita.post(f"/errors/issues/{issue_id}/resolve", {"mode": "now"}).status_code == 303
    assert api.ok("GET", path)["resolution"] == "now"


def test_a_bad_form_names_the_field_as_the_api_does(api: Harness) -> None:
    send_error(api)
    api.drain()
    issue_id = only_issue(api)["id"]
    rita = web_user(api, "rita")
    no_release = rita.post(f"/errors/issues/{issue_id}/resolve", {"mode": "in_release"})
    assert no_release.status_code == 422
    assert "Field: <code>release</code>" in no_release.text
    no_count = rita.post(f"/errors/issues/{issue_id}/ignore", {"mode": "until_events"})
    assert no_count.status_code == 422
    assert "Field: <code>count</code>" in no_count.text
    bad_mode = rita.post(f"/errors/issues/{issue_id}/ignore", {"mode": "sometimes"})
    api_answer = api.post(f"/api/v1/errors/issues/{issue_id}/ignore", json={"mode": "sometimes"})
    assert bad_mode.status_code == 422 == api_answer.status_code
    assert "Field: <code>mode</code>" in bad_mode.text
    assert api.ok("GET", f"/api/v1/errors/issues/{issue_id}")["status"] == "unresolved"


def test_an_incident_is_opened_from_the_issue(api: Harness) -> None:
    send_error(api)
    api.drain()
    issue_id = only_issue(api)["id"]
    rita = web_user(api, "rita")
    opened = rita.post(f"/errors/issues/{issue_id}/incident", {"severity": "SEV2"})
    assert opened.status_code == 303
    ref = api.ok("GET", f"/api/v1/errors/issues/{issue_id}")["incident"]
    assert ref is not None
    incident = api.ok("GET", f"/api/v1/incidents/{ref}")
    assert (incident["severity"], incident["team"]) == ("SEV2", "payments")
    page = rita.get(f"/errors/issues/{issue_id}").text
    assert f'<a class="chip" href="/incidents/{ref}">{ref}</a>' in page
    # again: the open incident is kept, no second one
    assert rita.post(f"/errors/issues/{issue_id}/incident", {}).status_code == 303
    assert api.ok("GET", "/api/v1/incidents")["total"] == 1


def test_a_viewer_sees_no_forms_and_is_refused_anyway(api: Harness) -> None:
    send_error(api)
    api.drain()
    issue_id = only_issue(api)["id"]
    vera = web_user(api, "vera", UserRole.VIEWER)
    page = vera.get(f"/errors/issues/{issue_id}")
    assert page.status_code == 200
    for action in ("resolve", "ignore", "unresolve", "incident"):
        assert f"/errors/issues/{issue_id}/{action}" not in page.text
    for action, form in (
        ("resolve", {"mode": "now"}),
        ("ignore", {"mode": "forever"}),
        ("unresolve", {}),
        ("incident", {}),
    ):
        refused = vera.post(f"/errors/issues/{issue_id}/{action}", form)
        assert refused.status_code == 403, action
        assert "vera is a viewer; this needs a responder or above" in refused.text
    state = api.ok("GET", f"/api/v1/errors/issues/{issue_id}")
    assert (state["status"], state["incident"]) == ("unresolved", None)


def test_a_form_without_the_csrf_token_is_refused(api: Harness) -> None:
    send_error(api)
    api.drain()
    issue_id = only_issue(api)["id"]
    rita = web_user(api, "rita")
    refused = rita.post(f"/errors/issues/{issue_id}/resolve", {"mode": "now"}, csrf=False)
    assert refused.status_code == 403
    assert "CSRF token is missing or stale" in refused.text
    assert api.ok("GET", f"/api/v1/errors/issues/{issue_id}")["status"] == "unresolved"


def test_an_error_message_is_escaped_on_the_list_and_the_issue(api: Harness) -> None:
    send_error(api, value=ATTACK, tags={"note": ATTACK})
    api.drain()
    issue = only_issue(api)
    assert ATTACK in issue["title"]
    rita = web_user(api, "rita")
    for path in ("/errors?project=api", f"/errors/issues/{issue['id']}"):
        page = rita.get(path).text
        assert ATTACK not in page, path
        assert ESCAPED in page, path


def test_release_health_shows_the_crash_free_figures_per_release(api: Harness) -> None:
    send_items(
        api,
        session_update("s1", init=True, status="exited", did="d1", release="api@1.2.0"),
        session_update("s2", init=True, status="exited", did="d2", release="api@1.2.0"),
        session_update("s3", init=True, status="crashed", did="d3", release="api@1.2.0"),
        session_update("s4", init=True, status="exited", did="d1", release="api@1.3.0"),
    )
    send_error(api, release="api@1.3.0")
    api.drain()
    rita = web_user(api, "rita")
    page = rita.get("/errors/releases?project=api")
    assert page.status_code == 200
    rows = re.findall(
        r"<tr>\s*<td><code>(.*?)</code></td>\s*<td>(.*?)</td>(.*?)</tr>", page.text, re.S
    )
    assert [(release, env) for release, env, _rest in rows] == [
        ("api@1.3.0", "production"),
        ("api@1.2.0", "production"),
    ]
    newest, older = rows[0][2], rows[1][2]
    assert (
        '<strong class="crash-free">66.66%</strong> <span class="muted">(1 crashed)</span>' in older
    )
    assert "Crash-free users </span>66.66%" in older
    assert "Adoption </span>75.00%" in older
    assert "New issues </span>0</td>" in older
    assert '<strong class="crash-free">100.00%</strong>' in newest
    assert "Adoption </span>25.00%" in newest
    assert ">1</a></td>" in newest  # the issue first seen with api@1.3.0
    chart = re.search(
        r'<script type="application/json" id="health-chart-data">(.*?)</script>', page.text
    )
    assert chart is not None
    data = json.loads(chart.group(1))
    labels = [s["label"] for s in data["series"]]
    assert labels == ["api@1.2.0 (production)", "api@1.3.0 (production)"]
    assert 66.667 in data["series"][0]["values"]
    assert len(data["x"]) == len(data["series"][0]["values"])
    assert "<script>" not in page.text
