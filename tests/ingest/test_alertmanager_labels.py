"""Label names and values Alertmanager itself refuses are refused at intake too, naming
the field, with nothing stored (fast path and slow path alike)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from tests.support.api import Harness
from warroom.ingest.models import Signal

KEY = "am-test-key-0123456789"
ROUTES = {
    "webhook": f"/ingest/alertmanager/{KEY}",
    "api v2": f"/ingest/alertmanager/{KEY}/api/v2/alerts",
}
BAD = [
    ({"alertname": "Disk", "": "x"}, "labels", "'' is not a valid label name"),
    ({"alertname": "Disk", "bad name!": "x"}, "labels", "'bad name!' is not a valid label name"),
    ({"alertname": "Disk", "9lives": "x"}, "labels", "'9lives' is not a valid label name"),
    ({"alertname": "Disk\x00", "team": "x"}, "labels.alertname", "must not contain NUL"),
]


def body(route: str, labels: dict[str, str]) -> Any:
    alert = {"labels": labels, "annotations": {}, "startsAt": "2026-12-04T10:00:00Z"}
    if route == "api v2":
        return [alert]
    return {"version": "4", "status": "firing", "alerts": [{**alert, "status": "firing"}]}


def stored(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(Signal)).scalar_one())


@pytest.mark.parametrize("route", sorted(ROUTES))
@pytest.mark.parametrize(("labels", "where", "message"), BAD)
def test_an_invalid_label_is_refused_naming_it_and_nothing_is_stored(
    api: Harness, engine: Engine, route: str, labels: dict[str, str], where: str, message: str
) -> None:
    response = api.client.post(ROUTES[route], json=body(route, labels))
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    prefix = "alerts[0]." if route == "webhook" else "[0]."
    assert error["field"] == prefix + where
    assert message in error["message"]
    assert stored(engine) == 0


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_valid_names_with_underscores_and_digits_are_taken(
    api: Harness, engine: Engine, route: str
) -> None:
    labels = {"alertname": "Disk", "_private": "1", "instance_2": "db-2", "team": "café"}
    response = api.client.post(ROUTES[route], json=body(route, labels))
    assert response.status_code == 200, response.text
    assert stored(engine) == 1
