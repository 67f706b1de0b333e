"""Two processes logging to one stderr (``warroom serve`` and its worker process) never splice
each other's lines: every line stays one JSON object."""

from __future__ import annotations

import json
import os
import subprocess
import sys

WRITER = """
import sys
from warroom.observability.logging import configure
import structlog
configure("info")
log = structlog.get_logger("test")
for number in range(3000):
    log.info("line", writer=sys.argv[1], number=number, padding="x" * 200)
"""


def test_lines_of_two_processes_on_one_stderr_stay_whole() -> None:
    read, write = os.pipe()
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, name],
            stderr=write,
            # unbuffered stdio (as many containers set it) writes what it is given at once
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        for name in ("serve", "worker")
    ]
    os.close(write)
    with open(read, encoding="utf-8") as stream:
        lines = stream.read().splitlines()
    for writer in writers:
        assert writer.wait(60) == 0
    entries = [json.loads(line) for line in lines]  # a spliced line fails to parse
    assert len(entries) == 6000
    assert {e["writer"] for e in entries} == {"serve", "worker"}
