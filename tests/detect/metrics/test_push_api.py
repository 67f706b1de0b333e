"""The JSON push API and the remote-write receiver's refusals, on both databases."""

from __future__ import annotations

import cramjam
from sqlalchemy import select

from tests.detect.metrics.conftest import METRICS_KEY, push
from tests.support.api import Harness
from warroom.db.engine import make_session_factory
from warroom.detect.metrics.models import MetricSample, MetricSeries


def stored(harness: Harness) -> list[tuple[dict[str, str], int, float]]:
    with make_session_factory(harness.engine)() as session:
        rows = session.execute(
            select(MetricSeries.labels, MetricSample.at_ms, MetricSample.value)
            .join(MetricSample, MetricSample.series_id == MetricSeries.id)
            .order_by(MetricSample.at_ms)
        )
        return [(dict(labels), at, value) for labels, at, value in rows]


def test_one_sample_is_stored_with_its_labels(metrics_app: Harness) -> None:
    response = push(
        metrics_app,
        {"name": "orders_total", "labels": {"region": "eu"}, "value": 3, "timestamp": 1000.5},
    )
    assert response.status_code == 202, response.text
    assert response.json() == {"status": "ok", "samples": 1}
    assert stored(metrics_app) == [({"__name__": "orders_total", "region": "eu"}, 1000500, 3.0)]


def test_batch_reuses_the_series_and_defaults_the_time_to_now(metrics_app: Harness) -> None:
    now_ms = round(metrics_app.clock().timestamp() * 1000)
    body = {
        "samples": [
            {"name": "signups", "value": 1, "timestamp": 10},
            {"name": "signups", "value": 2},
        ]
    }
    assert push(metrics_app, body).status_code == 202
    assert stored(metrics_app) == [
        ({"__name__": "signups"}, 10000, 1.0),
        ({"__name__": "signups"}, now_ms, 2.0),
    ]


def test_same_series_and_time_keeps_the_later_value(metrics_app: Harness) -> None:
    push(metrics_app, {"name": "m", "value": 1, "timestamp": 5})
    push(metrics_app, {"name": "m", "value": 7, "timestamp": 5})
    assert stored(metrics_app) == [({"__name__": "m"}, 5000, 7.0)]


def test_missing_value_is_400_naming_the_field(metrics_app: Harness) -> None:
    response = push(metrics_app, {"samples": [{"name": "m", "value": 1}, {"name": "m"}]})
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "samples[1].value"
    assert stored(metrics_app) == []


def test_bad_metric_name_is_400(metrics_app: Harness) -> None:
    response = push(metrics_app, {"name": "9lives", "value": 1})
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "name"


def test_non_string_label_is_400(metrics_app: Harness) -> None:
    response = push(metrics_app, {"name": "m", "labels": {"a": 1}, "value": 1})
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "labels.a"


def test_unknown_key_is_404(metrics_app: Harness) -> None:
    assert (
        push(metrics_app, {"name": "m", "value": 1}, key="nope-nope-nope-nope").status_code == 404
    )


def test_key_of_another_kind_is_404(metrics_app: Harness) -> None:
    response = push(metrics_app, {"name": "m", "value": 1}, key="am-test-key-0123456789")
    assert response.status_code == 404


def test_no_key_is_401_with_a_bearer_challenge(metrics_app: Harness) -> None:
    response = metrics_app.client.post("/api/v1/metrics", json={"name": "m", "value": 1})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def _write(harness: Harness, body: bytes, **headers: str) -> object:
    sent = {
        "Authorization": f"Bearer {METRICS_KEY}",
        "Content-Type": "application/x-protobuf",
        "Content-Encoding": "snappy",
        **headers,
    }
    return harness.client.post("/api/v1/write", content=body, headers=sent)


def test_remote_write_not_snappy_is_400(metrics_app: Harness) -> None:
    response = _write(metrics_app, b"\xff\xff\xff\xff\x0fnot snappy")
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert response.json()["error"]["field"] == "body"  # type: ignore[attr-defined]


def test_remote_write_wrong_content_type_is_415(metrics_app: Harness) -> None:
    response = _write(metrics_app, b"", **{"Content-Type": "application/json"})
    assert response.status_code == 415  # type: ignore[attr-defined]


def test_remote_write_decompression_bomb_is_400(metrics_app: Harness) -> None:
    # a snappy header declaring 1 GiB of output
    body = bytes([0x80, 0x80, 0x80, 0x80, 0x04]) + bytes(cramjam.snappy.compress_raw(b"x"))[1:]
    response = _write(metrics_app, body)
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert "over" in response.json()["error"]["message"]  # type: ignore[attr-defined]
