"""The storm's load: Alertmanager v2 alert lists (``POST /api/v2/alerts``, batches of 64 as
Prometheus's notifier sends them), paced open loop over keep-alive connections, and the one
alert of each other team, sent at its own time on a connection of its own."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from bench.notify.run import CONTENT_LENGTH

STORM_SERVICE = "checkout"
STORM_TEAM = "payments"
BATCH = 64
"""Alerts per POST: Prometheus's notifier sends at most 64 (``maxBatchSize``)."""
ANSWER_TIMEOUT = 60.0
VALID_FOR = timedelta(hours=1)
"""How far ahead ``endsAt`` is. Prometheus sets it a few evaluation intervals ahead and
re-sends every minute while the alert fires; the bench sends each alert only twice, and
warroom, like Alertmanager, resolves an alert whose ``endsAt`` passed without a refresh (a
resolve signal of its own). An hour outlasts any drain the bench waits for."""


@dataclass(frozen=True)
class Storm:
    targets: int
    per_target: int
    seconds: float
    """Each wave is spread over this long; 0: unpaced (every batch due at once, so the
    connections send as fast as the answers come: the receiver's capacity)."""
    connections: int
    teams: int

    @property
    def alerts(self) -> int:
        return self.targets * self.per_target

    @property
    def team_window(self) -> float:
        """The other teams' alerts are spread over both waves (at least 2 s)."""
        return max(2 * self.seconds, 2.0)


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int
    storm_path: str
    team_path: str


def rfc3339(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def storm_alerts(storm: Storm, wave: int, starts_at: datetime) -> list[dict[str, Any]]:
    """Every target of ``checkout`` fires every alert name; wave 2 re-sends them all (same
    labels and start, as Prometheus does each evaluation) with a new current value, so each
    is a signal that joins its open alert and not a byte-identical duplicate."""
    ends_at = rfc3339(datetime.now(UTC) + VALID_FOR)
    started = rfc3339(starts_at)
    return [
        {
            "labels": {
                "alertname": f"CheckoutDown{name:02d}",
                "instance": f"checkout-{target:05d}.dc1:9090",
                "job": "checkout",
                "service": STORM_SERVICE,
                "severity": "critical",
                "datacenter": "dc1",
                "environment": "production",
            },
            "annotations": {
                "summary": f"checkout probe {name} failing on target {target}",
                "value": f"{wave}.{(target * 7 + name) % 1000:03d}",
            },
            "startsAt": started,
            "endsAt": ends_at,
            "generatorURL": "http://prometheus.bench/graph",
        }
        for target in range(storm.targets)
        for name in range(storm.per_target)
    ]


def team_service(number: int) -> str:
    return f"svc-{number:02d}"


def team_slug(number: int) -> str:
    return f"team-{number:02d}"


def team_alert(number: int) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "labels": {
            "alertname": "ServiceDown",
            "instance": f"{team_service(number)}-0:8080",
            "service": team_service(number),
            "severity": "critical",
            "environment": "production",
        },
        "annotations": {"summary": f"{team_service(number)} is down"},
        "startsAt": rfc3339(now),
        "endsAt": rfc3339(now + VALID_FOR),
        "generatorURL": "http://prometheus.bench/graph",
    }


def batches(alerts: list[dict[str, Any]]) -> list[tuple[bytes, int]]:
    """The request bodies, built before sending so the client's CPU stays out of the way."""
    return [
        (orjson.dumps(alerts[start : start + BATCH]), len(alerts[start : start + BATCH]))
        for start in range(0, len(alerts), BATCH)
    ]


@dataclass
class Sent:
    """What one wave's POSTs got: times are ``time.time()``."""

    first_sent: float = 0.0
    last_answer: float = 0.0
    accepted: int = 0
    """Alerts answered 2xx."""
    refused: dict[str, int] = field(default_factory=dict)
    """Alerts answered otherwise, by status (or the error)."""

    @property
    def seconds(self) -> float:
        return max(self.last_answer - self.first_sent, 1e-6)

    @property
    def rate(self) -> float:
        """Intake: alerts accepted per second, from the first POST to the last answer."""
        return self.accepted / self.seconds


async def post(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    endpoint: Endpoint,
    path: str,
    body: bytes,
) -> str:
    """One POST over an open connection; the status line's code."""
    writer.write(
        f"POST {path} HTTP/1.1\r\nHost: {endpoint.host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), ANSWER_TIMEOUT)
    length = CONTENT_LENGTH.search(head)
    await reader.readexactly(int(length.group(1)) if length else 0)
    return head.split(b" ", 2)[1].decode()


async def send_wave(endpoint: Endpoint, bodies: list[tuple[bytes, int]], storm: Storm) -> Sent:
    """Open loop: batch k is due at start + k * seconds / batches whatever the answers do;
    a connection takes the next batch once its previous one is answered."""
    sent = Sent()
    start = time.time() + 0.05
    spacing = storm.seconds / max(len(bodies), 1)
    next_batch = iter(range(len(bodies)))

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(endpoint.host, endpoint.port)
        try:
            for number in next_batch:
                delay = start + number * spacing - time.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                body, count = bodies[number]
                if not sent.first_sent:
                    sent.first_sent = time.time()
                try:
                    status = await post(reader, writer, endpoint, endpoint.storm_path, body)
                except (OSError, asyncio.IncompleteReadError, TimeoutError) as exc:
                    status = type(exc).__name__
                    writer.close()
                    reader, writer = await asyncio.open_connection(endpoint.host, endpoint.port)
                sent.last_answer = time.time()
                if status.startswith("2"):
                    sent.accepted += count
                else:
                    sent.refused[status] = sent.refused.get(status, 0) + count
        finally:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(storm.connections)))
    return sent


async def send_team_alerts(
    endpoint: Endpoint, storm: Storm, start: float
) -> tuple[dict[int, float], dict[int, str]]:
    """Team n's one alert is due at start + (n - 0.5) / teams * team_window, alone on a
    fresh connection. (Send times of those answered 2xx, statuses of the others.)"""
    sent: dict[int, float] = {}
    refused: dict[int, str] = {}

    async def one(number: int) -> None:
        await asyncio.sleep(
            max(0.0, start + (number - 0.5) / storm.teams * storm.team_window - time.time())
        )
        body = orjson.dumps([team_alert(number)])
        reader, writer = await asyncio.open_connection(endpoint.host, endpoint.port)
        try:
            at = time.time()
            status = await post(reader, writer, endpoint, endpoint.team_path, body)
        finally:
            writer.close()
        if status.startswith("2"):
            sent[number] = at
        else:
            refused[number] = status

    await asyncio.gather(*(one(number) for number in range(1, storm.teams + 1)))
    return sent, refused


@dataclass
class StormRun:
    waves: tuple[Sent, Sent]
    wave2_began: float
    """``time.time()`` when wave 2's sending began: every wave-1 POST was answered before."""
    team_sent: dict[int, float]
    team_refused: dict[int, str]


async def _run(endpoint: Endpoint, storm: Storm, with_teams: bool) -> StormRun:
    starts_at = datetime.now(UTC)
    first = batches(storm_alerts(storm, 1, starts_at))
    teams = (
        asyncio.ensure_future(send_team_alerts(endpoint, storm, time.time()))
        if with_teams
        else None
    )
    wave1 = await send_wave(endpoint, first, storm)
    second = batches(storm_alerts(storm, 2, starts_at))
    wave2_began = time.time()
    wave2 = await send_wave(endpoint, second, storm)
    team_sent, team_refused = await teams if teams is not None else ({}, {})
    return StormRun((wave1, wave2), wave2_began, team_sent, team_refused)


def run_storm(endpoint: Endpoint, storm: Storm, with_teams: bool = True) -> StormRun:
    """Both waves to ``endpoint`` and, meanwhile, the other teams' alerts."""
    return asyncio.run(_run(endpoint, storm, with_teams))
