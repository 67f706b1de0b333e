"""The ``slos:`` section: what an SLO needs and what is refused, each at the key at fault."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import yaml

from warroom.config import ConfigError
from warroom.config.loader import parse_config

BASE: dict[str, Any] = {
    "teams": [{"slug": "payments", "name": "Payments", "timezone": "Europe/Prague"}],
    "services": [{"slug": "payments-api", "name": "Payments API", "team": "payments"}],
}
RATIO = {"kind": "promql", "ratio": "sum(rate(errors[$window])) / sum(rate(total[$window]))"}


def load(**slo: Any) -> Any:
    doc = {**BASE, "slos": [{"name": "api", "service": "payments-api", "target": 0.999, **slo}]}
    return parse_config(yaml.safe_dump(doc, sort_keys=False), "warroom.yaml")


def test_an_slo_defaults_to_30_days_and_the_default_severities() -> None:
    config = load(indicator=RATIO)
    (slo,) = config.slos
    assert slo.window == timedelta(days=30)
    assert (slo.page_severity, slo.ticket_severity, slo.team) == (None, None, None)
    assert config.slo("api") is slo


@pytest.mark.parametrize(
    ("slo", "message"),
    [
        ({"indicator": RATIO, "target": 1}, "slos[0].target: input should be less than 1"),
        ({"indicator": RATIO, "window": "1d"}, "slos[0].window: must be at least 3d"),
        (
            {"indicator": {"kind": "promql", "total": "sum(rate(t[$window]))"}},
            "give either ratio alone, or total with errors or good",
        ),
        (
            {"indicator": {"kind": "promql", "ratio": "errors_ratio_1h"}},
            "has no $window",
        ),
        ({"indicator": RATIO, "service": "payment-api"}, "slos[0].service: unknown service"),
        ({"indicator": RATIO, "page_severity": "SEV9"}, "slos[0].page_severity: unknown severity"),
        (
            {"indicator": {"kind": "sessions", "project": "web"}},
            "slos[0].indicator.project: unknown project 'web'",
        ),
        ({"indicator": {"kind": "latency"}}, "slos[0].indicator"),
    ],
)
def test_bad_slos_are_refused_at_the_key(slo: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load(**slo)
    assert message in str(raised.value)


def test_duplicate_names_are_refused() -> None:
    doc = {
        **BASE,
        "slos": [
            {"name": "api", "service": "payments-api", "target": 0.99, "indicator": RATIO},
            {"name": "api", "service": "payments-api", "target": 0.9, "indicator": RATIO},
        ],
    }
    with pytest.raises(ConfigError, match=r"slos\[1\]\.name: duplicate SLO name 'api'"):
        parse_config(yaml.safe_dump(doc), "warroom.yaml")
