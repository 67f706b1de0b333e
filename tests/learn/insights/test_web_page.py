"""The /insights page over HTTP: the tables show the figures of the generated history, the
charts carry their data in JSON blocks, a bad window is refused."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from tests.learn.insights.history import Generated, generate, write
from tests.learn.insights.test_seeded_history import expected_summary
from tests.support.api import Harness
from tests.support.web import web_user
from warroom.auth.models import UserRole


@pytest.fixture
def history(api: Harness) -> list[Generated]:
    generated = generate(api.clock())
    write(api.engine, generated)
    return generated


def _minutes(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds / 60:.1f}"


def test_a_viewer_sees_the_figures_and_the_chart_data(
    api: Harness, history: list[Generated]
) -> None:
    now = api.clock()
    viewer = web_user(api, "vera", UserRole.VIEWER)
    page = viewer.get("/insights", params={"group_by": "severity"})
    assert page.status_code == 200
    rows = [g for g in history if now - timedelta(days=30) <= g.detected_at < now and not g.drill]
    sev3 = [g for g in rows if g.severity == "SEV3"]
    cells = [
        _minutes(expected_summary(sev3, m)[k])
        for m in ("ttd", "tta", "ttm", "ttr")
        for k in ("median", "p90")
    ]
    row = re.search(r'<th scope="row">SEV3</th>(.*?)</tr>', page.text, re.S)
    assert row is not None
    shown = re.findall(r'<td class="num">(.*?)</td>', row.group(1))
    assert shown == [str(len(sev3)), *cells]
    chart = re.search(
        r'<script type="application/json" id="trend-chart-data">(.*?)</script>', page.text
    )
    assert chart is not None
    data = json.loads(chart.group(1))
    assert [s["label"] for s in data["series"]] == ["Incidents", "Median TTR (min)"]
    assert sum(data["series"][0]["values"]) == len(rows)
    assert len(data["x"]) == len(data["series"][0]["values"]) == 5
    assert "More SEV-3 and fewer SEV-1 is the healthy direction" in page.text
    assert '<a href="/insights" aria-current="page">Insights</a>' in page.text


def test_a_window_that_ends_before_it_starts_is_refused(api: Harness) -> None:
    viewer = web_user(api, "vera", UserRole.VIEWER)
    page = viewer.get("/insights", params={"since": "2026-03-01", "until": "2026-02-01"})
    assert page.status_code == 422
    assert "since must be before until" in page.text
