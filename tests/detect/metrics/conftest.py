"""A warroom with a ``metrics`` integration (the embedded store's push key), both databases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine

from tests.conftest import TEST_CONFIG
from tests.support.api import Harness, running_app

METRICS_KEY = "metrics-test-key-0123456789"


def write_config(path: Path, **sections: Any) -> Path:
    doc = yaml.safe_load(TEST_CONFIG.read_text())
    doc["integrations"].append(
        {"slug": "metrics", "kind": "metrics", "key": METRICS_KEY, "team": "platform"}
    )
    doc.update(sections)
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    return write_config(tmp_path / "warroom.yaml")


@pytest.fixture
def metrics_app(engine: Engine, config_path: Path) -> Iterator[Harness]:
    with running_app(engine, config_path) as harness:
        yield harness


def push(harness: Harness, body: Any, key: str = METRICS_KEY) -> Any:
    return harness.client.post(
        "/api/v1/metrics", json=body, headers={"Authorization": f"Bearer {key}"}
    )
