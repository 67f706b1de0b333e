"""The /insights page's follow-through and recurring-factor sections show their figures."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.incidents.helpers import INCIDENTS, act
from tests.support.api import Harness
from tests.support.web import web_user
from warroom.auth.models import UserRole

FACTOR = {"category": "capacity", "description": "PSP pool small", "service": "payments-api"}


def _resolved_with_factor(api: Harness, title: str) -> tuple[str, int]:
    ref: str = api.declare(title=title)["ref"]
    act(api, "resolve", ref)
    api.drain()
    factor = api.ok("POST", f"{INCIDENTS}/{ref}/postmortem/factors", json=FACTOR)
    return ref, int(factor["id"])


def _item(api: Harness, ref: str, title: str, due: str, **more: object) -> int:
    body = {"title": title, "team": "payments", "due_on": due, "kind": "prevent", **more}
    made = api.ok("POST", f"{INCIDENTS}/{ref}/action-items", json=body)
    return int(made["id"])


def test_the_page_shows_completion_overdue_items_and_recurring_factors(api: Harness) -> None:
    first, factor = _resolved_with_factor(api, "Card payments time out")
    due = (api.clock().date() + timedelta(days=1)).isoformat()
    done = _item(api, first, "Raise the PSP pool", due, factor_id=factor)
    _item(api, first, "Alert on PSP pool use", due)
    api.ok("POST", f"/api/v1/action-items/{done}/complete")
    api.clock.advance(days=3)
    second, _ = _resolved_with_factor(api, "Card payments time out again")

    page = web_user(api, "vera", UserRole.VIEWER).get("/insights")
    assert page.status_code == 200
    table = page.text.split('id="follow-through"')[1].split("</table>")[0]
    row = re.search(r'<th scope="row">payments</th>(.*?)</tr>', table)
    assert row is not None, table
    assert re.findall(r'<td class="num">([^<]*)</td>', row.group(1)) == [
        "2", "1", "1", "1", "0", "50%",
    ]  # fmt: skip
    overdue = page.text.split('id="overdue-items"')[1].split("</ul>")[0]
    assert f"{first}</a> Alert on PSP pool use (due {due}, 2d late)" in overdue
    factors = page.text.split('id="recurring-factors"')[1].split("</table>")[0]
    assert '<th scope="row">capacity</th><td>payments-api</td>' in factors
    assert f'<a href="/incidents/{first}/postmortem">{first}</a>' in factors
    assert f'<a href="/incidents/{second}/postmortem">{second}</a>' in factors
    assert '<td class="num">1</td><td class="num">0</td></tr>' in factors
