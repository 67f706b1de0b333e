"""`warroom serve` as a real process: first-start token, JSON logs, SIGHUP reload, shutdown."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.conftest import TEST_CONFIG
from tests.support.postgres import free_port

pytestmark = pytest.mark.slow
WARROOM = str(Path(sys.executable).with_name("warroom"))
TOKEN_LINE = re.compile(r"export WARROOM_TOKEN=(wr_\S+)")


@dataclass
class Server:
    process: subprocess.Popen[str]
    url: str
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)

    def logs(self) -> list[dict[str, object]]:
        out = []
        for line in list(self.stderr):
            try:
                out.append(json.loads(line))
            except ValueError:
                continue
        return out

    def wait_for_log(self, event: str, timeout: float = 10) -> dict[str, object]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for entry in self.logs():
                if entry.get("event") == event:
                    return entry
            time.sleep(0.05)
        raise AssertionError(f"no log event {event!r}; stderr: {self.stderr[-10:]}")


def _pump(stream: object, sink: list[str]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        sink.append(line.rstrip("\n"))


@pytest.fixture
def serve(tmp_path: Path, database_url: str) -> Iterator[tuple[Server, Path]]:
    config = tmp_path / "warroom.yaml"
    shutil.copyfile(TEST_CONFIG, config)
    port = free_port()
    env = {**os.environ, "WARROOM_DATABASE_URL": database_url, "WARROOM_PORT": str(port)}
    process = subprocess.Popen(
        [WARROOM, "serve", "--config", str(config)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    server = Server(process, f"http://127.0.0.1:{port}")
    for stream, sink in ((process.stdout, server.stdout), (process.stderr, server.stderr)):
        threading.Thread(target=_pump, args=(stream, sink), daemon=True).start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"{server.url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    else:
        process.kill()
        raise AssertionError(f"server did not start: {server.stderr[-20:]}")
    yield server, config
    if process.poll() is None:
        process.kill()
    process.wait(10)
    for stream in (process.stdout, process.stderr):
        assert stream is not None
        stream.close()


def _token(server: Server) -> str:
    for line in server.stdout:
        match = TOKEN_LINE.search(line)
        if match:
            return match.group(1)
    raise AssertionError(f"no token printed: {server.stdout}")


def test_first_start_prints_admin_token_that_works(serve: tuple[Server, Path]) -> None:
    server, _config = serve
    token = _token(server)
    me = httpx.get(f"{server.url}/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json()["username"] == "admin"
    assert me.json()["role"] == "admin"
    assert httpx.get(f"{server.url}/api/v1/me").status_code == 401


def test_requests_are_logged_as_json_with_route_status_and_incident(
    serve: tuple[Server, Path],
) -> None:
    server, _config = serve
    headers = {"Authorization": f"Bearer {_token(server)}", "X-Request-ID": "req-42"}
    created = httpx.post(
        f"{server.url}/api/v1/incidents",
        headers=headers,
        json={"title": "Checkout returns 503", "severity": "SEV1", "team": "payments"},
    )
    assert created.status_code == 201
    assert created.headers["x-request-id"] == "req-42"
    deadline = time.monotonic() + 5
    entry: dict[str, object] = {}
    while time.monotonic() < deadline and not entry:
        entry = next((e for e in server.logs() if e.get("request_id") == "req-42"), {})
        time.sleep(0.05)
    assert entry["event"] == "request"
    assert entry["route"] == "/api/v1/incidents"
    assert entry["status"] == 201
    assert entry["incident"] == "INC-1"
    assert entry["user"] == "admin"
    assert isinstance(entry["duration_ms"], float)


def test_sighup_reload_keeps_old_config_when_broken_and_swaps_when_fixed(
    serve: tuple[Server, Path],
) -> None:
    server, config = serve
    headers = {"Authorization": f"Bearer {_token(server)}"}
    original = config.read_text()
    config.write_text(original.replace("team: payments", "team: nobody"))
    server.process.send_signal(signal.SIGHUP)
    refused = server.wait_for_log("config_reload_refused")
    assert any("unknown team 'nobody'" in str(e) for e in refused["errors"])  # type: ignore[attr-defined]
    state = httpx.get(f"{server.url}/api/v1/config", headers=headers).json()
    assert state["generation"] == 1
    assert httpx.get(f"{server.url}/api/v1/teams/search", headers=headers).status_code == 404

    config.write_text(
        original.replace(
            "teams:\n",
            "teams:\n  - slug: search\n    name: Search\n    timezone: Europe/Berlin\n",
        )
    )
    server.process.send_signal(signal.SIGHUP)
    server.wait_for_log("config_reloaded")
    state = httpx.get(f"{server.url}/api/v1/config", headers=headers).json()
    assert state["generation"] == 2
    assert httpx.get(f"{server.url}/api/v1/teams/search", headers=headers).status_code == 200


def test_sigterm_shuts_down_gracefully(serve: tuple[Server, Path]) -> None:
    server, _config = serve
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(20) == 0


AM_KEY = "am-test-key-0123456789"


def _worker_pids(server: Server) -> list[int]:
    return [int(e["pid"]) for e in server.logs() if e.get("event") == "worker_process_started"]  # type: ignore[call-overload]


def _parent_of(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])


def _gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return True
        if state == "Z":  # exited, not yet reaped by its parent
            return True
        time.sleep(0.05)
    return False


def _alert_is_processed(server: Server, name: str, timeout: float = 10) -> dict[str, object]:
    """Posts an Alertmanager alert and waits until the pipeline (the worker) made it an alert
    with a decision."""
    body = {
        "version": "4",
        "status": "firing",
        "groupKey": name,
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": name, "severity": "warning", "service": "checkout"},
                "annotations": {},
                "startsAt": "2026-11-22T10:00:00Z",
                "fingerprint": f"fp-{name}",
            }
        ],
    }
    posted = httpx.post(f"{server.url}/ingest/alertmanager/{AM_KEY}", json=body)
    assert posted.status_code == 200, posted.text
    headers = {"Authorization": f"Bearer {_token(server)}"}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alerts = httpx.get(f"{server.url}/api/v1/alerts", headers=headers).json()
        for alert in alerts["items"] if isinstance(alerts, dict) else alerts:
            if alert["title"] == name and alert["decision"] != "pending":
                return dict(alert)
        time.sleep(0.1)
    raise AssertionError(f"alert {name} was not processed within {timeout} s")


def test_the_worker_runs_in_a_process_of_its_own_that_follows_reloads_and_shutdown(
    serve: tuple[Server, Path],
) -> None:
    server, _config = serve
    [child] = _worker_pids(server)
    assert child != server.process.pid and _parent_of(child) == server.process.pid
    _alert_is_processed(server, "WorkerProcessAlert")  # ingest in serve, pipeline in the child
    server.process.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        reloads = [e for e in server.logs() if e.get("event") == "config_reloaded"]
        if len(reloads) == 2:  # serve's own and the worker process's
            break
        time.sleep(0.05)
    assert len(reloads) == 2, server.stderr[-10:]
    # A reload through the API reaches the worker process as well.
    headers = {"Authorization": f"Bearer {_token(server)}"}
    reloaded = httpx.post(f"{server.url}/api/v1/config/reload", headers=headers)
    assert reloaded.status_code == 200, reloaded.text
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        reloads = [e for e in server.logs() if e.get("event") == "config_reloaded"]
        if len(reloads) == 3:  # the child's second (the API's reload itself logs nothing)
            break
        time.sleep(0.05)
    assert len(reloads) == 3, server.stderr[-10:]
    # A SIGTERM to every process of the service (systemd's stop) leaves the child to serve.
    os.kill(child, signal.SIGTERM)
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(30) == 0
    assert _gone(child, 5)
    assert not any(e.get("event") == "worker_process_exited" for e in server.logs())


def test_the_worker_process_exits_when_serve_is_killed(serve: tuple[Server, Path]) -> None:
    server, _config = serve
    [child] = _worker_pids(server)
    server.process.kill()
    server.process.wait(10)
    assert _gone(child, 10), "the worker process outlived serve"


def test_a_worker_process_that_dies_is_started_again(serve: tuple[Server, Path]) -> None:
    server, _config = serve
    [child] = _worker_pids(server)
    os.kill(child, signal.SIGKILL)
    server.wait_for_log("worker_process_exited")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(_worker_pids(server)) < 2:
        time.sleep(0.1)
    assert len(_worker_pids(server)) == 2
    _alert_is_processed(server, "AfterRestartAlert", timeout=30)
