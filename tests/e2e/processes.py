"""Real programs started by the end-to-end tests: found, started, awaited, stopped.

Output goes to files in the test's temp directory (no pipes to drain), and every failure
message carries the tail of each program's log.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TypeVar

import httpx
import pytest

from tests.conftest import IN_CI

T = TypeVar("T")
STARTUP_SECONDS = 60
STOP_SECONDS = 15


def require_binary(path: str, package: str) -> str:
    """The program's path; a missing one fails the test under CI=true, else skips it."""
    found = path if os.access(path, os.X_OK) else shutil.which(Path(path).name)
    if found:
        return found
    message = f"{path} is missing: install the Debian package {package} (scripts/ensure-test-deps)"
    if IN_CI:
        pytest.fail(f"{message}; it is required under CI=true")
    pytest.skip(message)


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    stdout_path: Path
    stderr_path: Path
    files: list[IO[bytes]] = field(default_factory=list)

    def stdout(self) -> str:
        return self.stdout_path.read_text(errors="replace")

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def tail(self, lines: int = 25) -> str:
        out = []
        for label, text in (("stdout", self.stdout()), ("stderr", self.stderr())):
            kept = text.splitlines()[-lines:]
            if kept:
                out.append(f"--- {self.name} {label} (last {len(kept)} lines)")
                out.extend(kept)
        return "\n".join(out)

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after a grace period; always reaps and closes the logs."""
        try:
            if self.popen.poll() is None:
                self.popen.terminate()
                try:
                    self.popen.wait(STOP_SECONDS)
                except subprocess.TimeoutExpired:
                    self.popen.kill()
            self.popen.wait(STOP_SECONDS)
        finally:
            for handle in self.files:
                handle.close()


def start(name: str, argv: list[str], workdir: Path, env: dict[str, str] | None = None) -> Process:
    workdir.mkdir(parents=True, exist_ok=True)
    stdout_path, stderr_path = workdir / f"{name}.out", workdir / f"{name}.err"
    stdout, stderr = stdout_path.open("wb"), stderr_path.open("wb")
    try:
        popen = subprocess.Popen(
            argv,
            cwd=workdir,
            env={**os.environ, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
        )
    except BaseException:
        stdout.close()
        stderr.close()
        raise
    return Process(name, popen, stdout_path, stderr_path, [stdout, stderr])


def wait_until(
    check: Callable[[], T | None],
    what: str,
    timeout: float,
    diagnostics: Callable[[], str] = lambda: "",
    interval: float = 0.2,
) -> T:
    """Poll ``check`` until it returns something other than None (or False)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value is not None and value is not False:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(
                f"timed out after {timeout:.0f}s waiting for {what}\n{diagnostics()}"
            )
        time.sleep(interval)


def wait_healthy(process: Process, url: str, timeout: float = STARTUP_SECONDS) -> None:
    """Until ``url`` answers 200; fails at once if the process dies first."""

    def ready() -> bool:
        if not process.alive():
            raise AssertionError(
                f"{process.name} exited with {process.popen.returncode} while starting\n"
                f"{process.tail()}"
            )
        try:
            return httpx.get(url, timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    wait_until(ready, f"{process.name} at {url}", timeout, process.tail, interval=0.1)
