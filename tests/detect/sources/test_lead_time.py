"""End to end with the real Prometheus: a drifting latency opens warroom's SEV3 (with its
chart) before Prometheus's static threshold alert fires, and the monitor's detections are
the same whether it reads Prometheus or the remote-written embedded store."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.detect.sources import lead_time


@pytest.mark.slow
def test_monitor_warns_before_the_threshold_alert(engine: Engine, tmp_path: Path) -> None:
    measured = lead_time.run(tmp_path, engine)
    assert measured.monitor_seconds < measured.threshold_seconds, measured
    assert measured.incident["team"] == "payments"
    assert measured.alert["labels"]["monitor"] == "checkout-latency"
    assert float(measured.alert["annotations"]["observed"]) > float(
        measured.alert["annotations"]["expected_high"]
    )
    assert measured.chart.status_code == 200
    assert measured.chart.text.startswith("<svg")
    assert measured.firings_prometheus, "the replay on Prometheus found the drift"
    assert measured.firings_embedded == measured.firings_prometheus
