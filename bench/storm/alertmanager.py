"""The same storm to the real Alertmanager 0.25 (Debian ``prometheus-alertmanager``): one
route grouping by service, ``group_wait: 0s``, a webhook receiver on loopback, so the time of
its first notification of a group is comparable with warroom's first page."""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson
from tests.support.postgres import free_port
from tests.support.sinks import HttpSink

from bench.ingest.run import process
from bench.storm.load import STORM_SERVICE, Endpoint, Sent, Storm, run_storm, team_service

BINARY = "prometheus-alertmanager"
GROUP_INTERVAL = "1s"


def config(hook_url: str) -> str:
    """``max_alerts: 10`` keeps the storm group's notifications small: the receiver only
    needs to see that (and when) the group was notified."""
    return f"""
route:
  receiver: hook
  group_by: [service]
  group_wait: 0s
  group_interval: {GROUP_INTERVAL}
  repeat_interval: 4h
receivers:
  - name: hook
    webhook_configs: [{{url: "{hook_url}", send_resolved: false, max_alerts: 10}}]
"""


@dataclass
class AlertmanagerRun:
    waves: tuple[Sent, Sent]
    held: int
    """Alerts of the storm's service Alertmanager listed right after the last answer."""
    held_after: float
    """Seconds from the last answer to that listing's answer."""
    team_latency: dict[int, float]
    """Team -> seconds from its alert's POST to the first notification of its group."""
    teams_sent: int
    storm_notifications: int
    first_storm_notification: float | None
    """Seconds from the storm's first POST to the first notification of its group."""


def command(workdir: Path, hook_url: str, port: int) -> list[str]:
    path = workdir / "alertmanager.yml"
    path.write_text(config(hook_url))
    return [
        BINARY,
        f"--config.file={path}",
        f"--storage.path={workdir / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--cluster.listen-address=",
        "--log.level=warn",
    ]


def held_alerts(port: int) -> int:
    answer = httpx.get(
        f"http://127.0.0.1:{port}/api/v2/alerts",
        params={"filter": f'service="{STORM_SERVICE}"', "silenced": "false"},
        timeout=60,
    )
    answer.raise_for_status()
    return len(answer.json())


def measure(storm: Storm, with_teams: bool = True) -> AlertmanagerRun:
    """A fresh Alertmanager takes both waves of the storm (and the teams' alerts)."""
    with tempfile.TemporaryDirectory(prefix="bench-storm-am-") as tmp, HttpSink() as hook:
        port = free_port()
        with process(command(Path(tmp), hook.url, port), f"http://127.0.0.1:{port}/-/ready"):
            endpoint = Endpoint("127.0.0.1", port, "/api/v2/alerts", "/api/v2/alerts")
            run = run_storm(endpoint, storm, with_teams)
            last = run.waves[1].last_answer
            held = held_alerts(port)
            held_after = time.time() - last
            deadline = time.monotonic() + 10
            while (
                time.monotonic() < deadline
                and len(first_notifications(hook)) < len(run.team_sent) + 1
            ):
                time.sleep(0.05)
            time.sleep(2)  # the storm group's re-notifications that are still due
        firsts = first_notifications(hook)
    storm_first = firsts.pop(STORM_SERVICE, None)
    by_service = {team_service(number): number for number in run.team_sent}
    return AlertmanagerRun(
        waves=run.waves,
        held=held,
        held_after=held_after,
        team_latency={
            by_service[service]: at - run.team_sent[by_service[service]]
            for service, at in firsts.items()
            if service in by_service
        },
        teams_sent=len(run.team_sent),
        storm_notifications=sum(
            1 for request in hook.received() if group_of(request.body) == STORM_SERVICE
        ),
        first_storm_notification=None
        if storm_first is None
        else storm_first - run.waves[0].first_sent,
    )


CAPACITY_RUNS = 3


def capacity(storm: Storm) -> tuple[Sent, Sent]:
    """Both waves unpaced (every batch due at once) to a fresh Alertmanager, the best of
    ``CAPACITY_RUNS`` runs for each wave: a shared machine only ever takes speed away."""
    unpaced = Storm(storm.targets, storm.per_target, 0.0, storm.connections, 0)
    runs = [measure(unpaced, with_teams=False).waves for _ in range(CAPACITY_RUNS)]
    first = max((run[0] for run in runs), key=lambda sent: sent.rate)
    second = max((run[1] for run in runs), key=lambda sent: sent.rate)
    return first, second


def group_of(body: bytes) -> str | None:
    service = orjson.loads(body).get("groupLabels", {}).get("service")
    return service if isinstance(service, str) else None


def first_notifications(hook: HttpSink) -> dict[str, float]:
    """Group (service) -> when its first notification arrived."""
    firsts: dict[str, float] = {}
    for request in hook.received():
        service = group_of(request.body)
        if service is not None:
            firsts[service] = min(firsts.get(service, request.received_at), request.received_at)
    return firsts
