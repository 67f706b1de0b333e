"""While the database is away, every ingest route answers 503 with ``Retry-After``, stores
nothing, and the outage is logged once; the first write after it logs that it is back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from structlog.testing import capture_logs

from tests.alerts.support import integration
from tests.conftest import TEST_CONFIG
from tests.ingest.test_alertmanager import am_payload
from tests.support.api import Harness, running_app
from tests.support.outage import database_away
from tests.support.postgres import PostgresServer, fresh_database
from warroom.db.engine import make_engine
from warroom.ingest.models import Signal

AM_KEY = "am-test-key-0123456789"
PD_KEY = "pdpdpdpdpdpdpdpdpdpdpdpdpdpdpd32"
HOOK_KEY = "hook-test-key-0123456789"
BEAT_KEY = "beat-test-key-0123456789"
BIG = "x" * 20_000
"""A label value big enough to need new pages (SQLite's full file refuses them)."""


def requests(number: int) -> dict[str, tuple[str, Any]]:
    """One request per ingest route whose signal keeps a big field whole (on SQLite, the
    capped file then needs a new page for it: a small row may still fit a page's free
    room, and is then stored and acknowledged, rightly)."""
    payload = am_payload(n=str(number), big=BIG)
    v2 = payload["alerts"]
    pd = {
        "routing_key": PD_KEY,
        "event_action": "trigger",
        "dedup_key": f"pd-{number}",
        "payload": {
            "summary": "database away",
            "source": "db",
            "severity": "critical",
            "custom_details": {"big": BIG},
        },
    }
    return {
        "alertmanager webhook": (f"/ingest/alertmanager/{AM_KEY}", payload),
        "alertmanager v2": (f"/ingest/alertmanager/{AM_KEY}/api/v2/alerts", v2),
        "pagerduty": ("/v2/enqueue", pd),
    }


def post(api: Harness, route: str, number: int) -> Any:
    path, body = requests(number)[route]
    return api.client.post(path, json=body)


def signals(api: Harness) -> int:
    with Session(api.engine) as session:
        return int(session.scalar(select(func.count()).select_from(Signal)) or 0)


@pytest.mark.parametrize("route", sorted(requests(0)))
def test_an_ingest_route_answers_503_with_retry_after_while_the_database_is_away(
    api: Harness, route: str
) -> None:
    assert post(api, route, 1).status_code in (200, 202)
    before = signals(api)
    with database_away(api.engine), capture_logs() as logs:
        answers = [post(api, route, number) for number in range(2, 5)]
    assert [a.status_code for a in answers] == [503, 503, 503]
    assert {a.headers["retry-after"] for a in answers} == {"5"}
    error = answers[0].json()
    if route == "pagerduty":  # PagerDuty's own refusal shape
        assert error["status"] != "success"
    else:
        assert error["error"]["code"] == "unavailable"
    assert signals(api) == before
    unavailable = [e for e in logs if e["event"] == "database_unavailable"]
    assert [(e["part"], e["message"]) for e in unavailable] == [
        ("ingest", "database unavailable, retrying")
    ]
    assert not [e for e in logs if e["log_level"] in ("error", "critical") and e not in unavailable]

    with capture_logs() as logs:
        assert post(api, route, 5).status_code in (200, 202)
    assert [e["part"] for e in logs if e["event"] == "database_available"] == ["ingest"]
    assert signals(api) == before + 1


def test_the_refusals_are_counted_per_integration_as_db_unavailable(api: Harness) -> None:
    with database_away(api.engine):
        assert post(api, "alertmanager webhook", 1).status_code == 503
    assert post(api, "alertmanager webhook", 2).status_code == 200
    assert integration(api, "am")["counters"] == {"accepted": 1, "db_unavailable": 1}


@pytest.fixture
def postgres_api(postgres_server: PostgresServer, postgres_template: str) -> Iterator[Harness]:
    with fresh_database(postgres_server, "test", postgres_template) as url:
        engine = make_engine(url)
        with running_app(engine, TEST_CONFIG) as harness:
            yield harness
        engine.dispose()


def test_webhook_heartbeat_and_api_answer_503_while_postgresql_is_away(
    postgres_api: Harness,
) -> None:
    """(Their rows are small: on SQLite a capped file may still hold them.)"""
    api = postgres_api
    with database_away(api.engine), capture_logs() as logs:
        hook = api.client.post(f"/ingest/webhook/{HOOK_KEY}", json={"title": "t", "id": "1"})
        beat = api.client.post(f"/ingest/heartbeat/{BEAT_KEY}")
        listed = api.get("/api/v1/incidents")
        ready = api.client.get("/readyz")
    for answer in (hook, beat, listed):
        assert answer.status_code == 503, answer.text
        assert answer.headers["retry-after"] == "5"
        assert answer.json()["error"]["code"] == "unavailable"
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"].startswith("unreachable")
    parts = sorted(e["part"] for e in logs if e["event"] == "database_unavailable")
    assert parts == ["api", "ingest"]
    assert api.client.post(f"/ingest/heartbeat/{BEAT_KEY}").status_code == 200
    assert api.client.get("/readyz").status_code == 200
