"""200 generated incidents over 90 days: every insight figure the API gives is checked
against a computation done here, with plain Python over the generated data."""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.learn.insights.history import DAYS, Generated, generate, write
from tests.support.api import Harness
from warroom.incidents.enums import DetectionSource

INSIGHTS = "/api/v1/insights"
METRICS: dict[str, Callable[[Generated], float | None]] = {
    "ttd": lambda g: g.ttd,
    "tta": lambda g: g.tta,
    "ttm": lambda g: g.ttm,
    "ttr": lambda g: g.ttr,
}
WEIGHTS = {"SEV1": 100.0, "SEV2": 10.0, "SEV3": 1.0, "SEV4": 0.1}


def nearest_rank_p90(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    rank = math.ceil(len(ordered) * 90 / 100)
    return ordered[rank - 1]


def expected_summary(rows: Iterable[Generated], metric: str) -> dict[str, Any]:
    values = [v for v in (METRICS[metric](g) for g in rows) if v is not None]
    return {
        "count": len(values),
        "median": statistics.median(values) if values else None,
        "p90": nearest_rank_p90(values),
    }


def expected_group(key: str, rows: list[Generated]) -> dict[str, Any]:
    return {
        "key": key,
        "incidents": len(rows),
        "metrics": {m: expected_summary(rows, m) for m in METRICS},
    }


@pytest.fixture
def history(api: Harness) -> list[Generated]:
    generated = generate(api.clock())
    write(api.engine, generated)
    return generated


def _in(
    history: list[Generated], since: datetime, until: datetime, drills: bool = False
) -> list[Generated]:
    return [g for g in history if since <= g.detected_at < until and (drills or not g.drill)]


def test_the_history_is_what_the_tests_expect(history: list[Generated]) -> None:
    assert len(history) == 200
    assert 0 < sum(g.drill for g in history) < 20
    assert {g.severity for g in history} == {"SEV1", "SEV2", "SEV3", "SEV4"}


@pytest.mark.parametrize("group_by", ["team", "service", "severity"])
def test_durations_per_group_over_the_90_days(
    api: Harness, history: list[Generated], group_by: str
) -> None:
    now = api.clock()
    since = now - timedelta(days=DAYS)
    body = api.ok(
        "GET",
        f"{INSIGHTS}/durations",
        params={"since": since.isoformat(), "until": now.isoformat(), "group_by": group_by},
    )
    rows = _in(history, since, now)
    groups: dict[str, list[Generated]] = {}
    for g in rows:
        keys = {
            "team": [g.team],
            "severity": [g.severity],
            "service": list(g.services) or ["(none)"],
        }
        for key in keys[group_by]:
            groups.setdefault(key, []).append(g)
    assert body["group_by"] == group_by
    assert body["overall"] == expected_group("all", rows)
    assert body["groups"] == [expected_group(k, groups[k]) for k in sorted(groups)]


def test_the_default_window_is_the_last_30_days_without_drills(
    api: Harness, history: list[Generated]
) -> None:
    now = api.clock()
    body = api.ok("GET", f"{INSIGHTS}/durations")
    rows = _in(history, now - timedelta(days=30), now)
    assert datetime.fromisoformat(body["window"]["since"]) == now - timedelta(days=30)
    assert body["overall"] == expected_group("all", rows)
    with_drills = api.ok("GET", f"{INSIGHTS}/durations", params={"include_drills": "true"})
    all_rows = _in(history, now - timedelta(days=30), now, drills=True)
    assert len(all_rows) > len(rows)
    assert with_drills["overall"] == expected_group("all", all_rows)


def test_weekly_trend_counts_and_medians(api: Harness, history: list[Generated]) -> None:
    now = api.clock()
    since = now - timedelta(days=DAYS)
    body = api.ok(
        "GET",
        f"{INSIGHTS}/durations",
        params={"since": since.isoformat(), "until": now.isoformat()},
    )
    expected = []
    start = since
    while start < now:
        end = min(start + timedelta(days=7), now)
        rows = _in(history, start, end)
        expected.append(
            {
                "start": start,
                "end": end,
                "incidents": len(rows),
                "medians": {m: expected_summary(rows, m)["median"] for m in METRICS},
            }
        )
        start = end
    got = [
        {**p, "start": datetime.fromisoformat(p["start"]), "end": datetime.fromisoformat(p["end"])}
        for p in body["trend"]
    ]
    assert len(got) == 13
    assert got == expected


def test_a_short_window_trends_per_day(api: Harness, history: list[Generated]) -> None:
    now = api.clock()
    since = now - timedelta(days=10)
    body = api.ok(
        "GET",
        f"{INSIGHTS}/durations",
        params={"since": since.isoformat(), "until": now.isoformat()},
    )
    counts = [
        len(_in(history, since + timedelta(days=d), since + timedelta(days=d + 1)))
        for d in range(10)
    ]
    assert [p["incidents"] for p in body["trend"]] == counts


def _expected_load(rows: list[Generated]) -> dict[str, Any]:
    counts = Counter(g.severity for g in rows)
    return {
        "incidents": len(rows),
        "by_severity": {k: counts.get(k, 0) for k in ("SEV1", "SEV2", "SEV3", "SEV4")},
        "ratio": counts["SEV3"] / counts["SEV1"] if counts["SEV1"] else None,
        "weighted": round(sum(WEIGHTS[k] * n for k, n in counts.items()), 6),
    }


def _expected_direction(now: dict[str, Any], before: dict[str, Any]) -> str:
    d1 = now["by_severity"]["SEV1"] - before["by_severity"]["SEV1"]
    d3 = now["by_severity"]["SEV3"] - before["by_severity"]["SEV3"]
    if d1 == 0 and d3 == 0:
        return "steady"
    if d1 <= 0 and d3 >= 0:
        return "healthier"
    if d1 >= 0 and d3 <= 0:
        return "worse"

    def ratio(load: dict[str, Any]) -> float:
        if load["ratio"] is not None:
            return float(load["ratio"])
        return math.inf if load["by_severity"]["SEV3"] else 0.0

    a, b = ratio(now), ratio(before)
    return "healthier" if a > b else "worse" if a < b else "steady"


def test_load_ratio_and_weighted_load_per_team_against_the_window_before(
    api: Harness, history: list[Generated]
) -> None:
    now = api.clock()
    since = now - timedelta(days=45)
    body = api.ok(
        "GET", f"{INSIGHTS}/load", params={"since": since.isoformat(), "until": now.isoformat()}
    )
    assert body["weights"] == WEIGHTS
    assert datetime.fromisoformat(body["previous_window"]["since"]) == now - timedelta(days=90)
    current = _in(history, since, now)
    previous = _in(history, now - timedelta(days=90), since)
    teams = sorted({g.team for g in current + previous})
    assert [t["team"] for t in body["teams"]] == teams
    for row in [body["overall"], *body["teams"]]:
        team = row["team"]
        mine = [g for g in current if team in ("all", g.team)]
        theirs = [g for g in previous if team in ("all", g.team)]
        assert row["current"] == _expected_load(mine), team
        assert row["previous"] == _expected_load(theirs), team
        direction = _expected_direction(row["current"], row["previous"])
        assert row["direction"] == direction, team
        assert row["verdict"].startswith(direction.capitalize() + ":"), row["verdict"]
        if direction == "worse":
            assert "More SEV-3 and fewer SEV-1 is the healthy direction." in row["verdict"]


def test_detection_review(api: Harness, history: list[Generated]) -> None:
    now = api.clock()
    since = now - timedelta(days=DAYS)
    body = api.ok(
        "GET",
        f"{INSIGHTS}/detection",
        params={"since": since.isoformat(), "until": now.isoformat()},
    )
    rows = _in(history, since, now)
    humans = [g for g in rows if g.source in (DetectionSource.PERSON, DetectionSource.CUSTOMER)]
    customers = [g for g in rows if g.source is DetectionSource.CUSTOMER]
    assert body["incidents"] == len(rows)
    assert body["found_by_humans"] == len(humans)
    assert body["human_share"] == len(humans) / len(rows)
    assert body["customer_share"] == len(customers) / len(rows)
    expected = []
    for source in DetectionSource:
        mine = [g for g in rows if g.source is source]
        ttds = [g.ttd for g in mine if g.ttd is not None]
        expected.append(
            {
                "source": source.value,
                "incidents": len(mine),
                "share": len(mine) / len(rows),
                "median_ttd": statistics.median(ttds) if ttds else None,
            }
        )
    assert body["sources"] == expected
