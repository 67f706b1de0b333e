"""Every table of the CLI in an 80-column terminal: nothing wraps, ids stay whole, the least
important columns give way first; at 200 columns (or with --wide) every column shows."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.harness import live_server
from tests.cli.narrow_setup import CONFIG, NarrowCli, seed
from tests.support.clock import FakeClock
from warroom.db.engine import make_engine


@pytest.fixture(scope="module")
def narrow(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[NarrowCli]:
    folder = tmp_path_factory.mktemp("cli-narrow")
    path = folder / "warroom.db"
    shutil.copyfile(sqlite_template, path)
    config = folder / "warroom.yaml"
    config.write_text(CONFIG)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    try:
        with live_server(engine, FakeClock(), config_path=config) as running:
            cli = NarrowCli(running, url)
            seed(cli)
            yield cli
    finally:
        engine.dispose()


COMMANDS = [
    ("alerts", "list"),
    ("alerts", "show", "1"),
    ("silence", "list"),
    ("maintenance", "list"),
    ("integrations", "list"),
    ("deliveries", "list"),
    ("errors", "list"),
    ("projects", "list"),
    ("incident", "list"),
    ("incident", "timeline", "INC-1"),
    ("incident", "updates", "INC-1"),
    ("incident", "escalation", "INC-1"),
    ("tokens", "list"),
    ("oncall", "now"),
    ("oncall", "show", "payments-reconciliation-primary-eu", "--from", "2026-03-02T00:00:00Z"),
    ("oncall", "override", "list", "payments-reconciliation-primary-eu"),
    ("release", "list"),
    (
        "release",
        "check",
        "-p",
        "payments-reconciliation-backend",
        "-r",
        "payments-reconciliation-backend@2026.03.02-rc.1+build.4711",
        "-e",
        "production",
    ),
]


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_show(narrow: NarrowCli, args: tuple[str, ...]) -> None:
    for width in (80, 200):
        print(f"===== {width}: {' '.join(args)}")
        for line in narrow.ok(width, *args).splitlines():
            print(f"{len(line):3d}|{line}")
    print(f"===== wide: {' '.join(args)}")
    print(narrow.ok(80, *args, "--wide"))
