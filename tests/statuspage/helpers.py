"""A warroom with status pages (on the test suite's organisation), and readers of them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from tests.support.api import Harness, running_app
from tests.support.clock import FakeClock

TEST_CONFIG = Path(__file__).parents[1] / "fixtures" / "warroom.yaml"
PUBLIC_URL = "http://status.example.test"

STATUS_PAGES = """
status_pages:
  - slug: shop
    title: Test Shop status
    description: How the Test Shop is doing right now.
    components:
      - {service: payments-api, name: Card payments, group: Checkout}
      - {service: checkout-api, name: Checkout, group: Checkout}
      - {service: search-api, name: Product search, description: Finding products.}
  - slug: internal
    title: Internal platform
    public: false
    components:
      - {service: postgres-primary}
    impact: {SEV1: major_outage, SEV2: major_outage, SEV3: partial_outage}
"""


def config_text(smtp_port: int | None = None) -> str:
    text = TEST_CONFIG.read_text() + STATUS_PAGES
    if smtp_port is not None:
        text += (
            "notifications:\n"
            f"  email: {{host: 127.0.0.1, port: {smtp_port}, from_address: status@example.com}}\n"
        )
    return text


@contextmanager
def status_app(
    engine: Engine,
    tmp_path: Path,
    *,
    smtp_port: int | None = None,
    start: datetime | None = None,
) -> Iterator[Harness]:
    """The test organisation with the ``shop`` and ``internal`` status pages (and email
    through ``smtp_port`` when given)."""
    path = tmp_path / "warroom.yaml"
    path.write_text(config_text(smtp_port))
    with running_app(engine, path, FakeClock(start), public_url=PUBLIC_URL) as harness:
        yield harness
