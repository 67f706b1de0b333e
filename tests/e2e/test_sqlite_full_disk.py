"""SQLite on a full disk: ingest answers 503 with ``Retry-After``, logs it once, stores
nothing partial, and takes signals again once space is back, without a restart.

The database lives on a size-capped tmpfs mounted for the test (``mount -t tmpfs -o
size=…``, so the test needs root); a filler file takes the rest of its space, and is
deleted to give the space back. ``PRAGMA integrity_check`` runs on the file afterwards.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import IN_CI
from tests.e2e.outage import (
    Load,
    log_events,
    outage_config,
    start_warroom,
    stored_identities,
    unavailable_per_part,
)
from tests.e2e.processes import wait_healthy
from tests.e2e.stack import Stack

pytestmark = pytest.mark.slow

DISK_SIZE = "24m"
CHUNK = 1 << 20


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A tmpfs of ``DISK_SIZE`` mounted for the test."""
    mountpoint = tmp_path / "disk"
    mountpoint.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK_SIZE}", "tmpfs", str(mountpoint)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        message = f"cannot mount a tmpfs (needs root): {result.stderr.strip()}"
        if IN_CI:
            pytest.fail(f"{message}; required under CI=true")
        pytest.skip(message)
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", "-l", str(mountpoint)], check=False)


def fill(path: Path) -> int:
    """Writes ``path`` until the file system is full; the bytes written."""
    written = 0
    with path.open("wb", buffering=0) as filler:
        for size in (CHUNK, 4096, 512):
            block = b"\0" * size
            while True:
                try:
                    written += filler.write(block) or 0
                except OSError as exc:
                    assert exc.errno == errno.ENOSPC, exc
                    break
    return written


def test_full_disk_answers_503_and_resumes_when_space_returns(
    stack: Stack, small_disk: Path
) -> None:
    database = small_disk / "warroom.db"
    url = f"sqlite:///{database}"
    warroom = start_warroom(stack, url, outage_config())
    wait_healthy(warroom.process, f"{warroom.url}/readyz")
    filler = small_disk / "filler"
    with Load(warroom, senders=2) as load:
        time.sleep(1)
        filled = time.monotonic()
        size = fill(filler)
        stack.wait(lambda: load.statuses(since=filled)[503] > 0, "a 503 on the full disk", 30)
        full = time.monotonic()
        time.sleep(2)
        refused = load.statuses(since=full)
        os.remove(filler)
        freed = time.monotonic()
        stack.wait(lambda: load.statuses(since=freed + 0.5)[200] > 0, "ingest to resume", 30)
        recovered = time.monotonic() - freed
        time.sleep(1)
    answers = load.snapshot()
    acked, stored = load.acked(), stored_identities(url)
    lost = acked - stored
    warroom.process.stop()
    with sqlite3.connect(database) as conn:
        integrity = conn.execute("PRAGMA integrity_check").fetchall()
    log = warroom.process.stderr()
    unavailable = unavailable_per_part(log)
    print(  # the figures of the report
        f"filler {size >> 20} MiB; signals sent {len(answers)}, acknowledged {len(acked)}, "
        f"stored {len(stored)}, acknowledged and lost {len(lost)}; answers while full "
        f"{dict(refused)}; ingest again {recovered:.1f} s after the space came back; "
        f"database_unavailable lines {dict(unavailable)}; integrity_check {integrity}"
    )
    assert refused[503] > 0 and not refused[200] and not refused[202], refused
    assert all(a.retry_after == "5" for a in answers if a.status == 503)
    assert {a.status for a in answers} <= {200, 202, 503}
    assert lost == set()
    assert integrity == [("ok",)]
    assert unavailable["ingest"] == 1, warroom.process.tail(40)
    [line] = [e for e in log_events(log, "database_unavailable") if e.get("part") == "ingest"]
    assert "full" in str(line["error"]), line
