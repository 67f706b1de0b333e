"""bench/notify: alert receipt to delivery latency, at a steady rate, to real sinks.

    .venv/bin/python -m bench.notify.run [--rate 100] [--seconds 10] [--every 10]
                                          [--backends sqlite]

A ``warroom serve`` (API + worker in one process) on a fresh database receives Alertmanager
webhook posts at ``--rate`` alerts per second, open loop, for ``--seconds`` (bounded; all on
loopback). Every alert is new (its own fingerprint). Every ``--every``-th opens its own SEV1
incident, whose escalation emails the on-call person (a real SMTP server, aiosmtpd) and whose
declaration is posted to the team's webhook (a real HTTP server); the alerts in between
belong to the group of the latest such one and join its incident, as in an alert storm.
``--every 1`` makes every alert a new SEV1 incident: the ceiling of incidents per second.
Latency is measured per paging alert from the moment its POST was due (open loop) to the
moment each sink received the message, after a warm-up that is left out. A reference run in
the same invocation measures a bare SMTP send and a bare webhook POST to the same sinks, so
the figures can be read against what the machine itself takes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import smtplib
import subprocess
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import orjson

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402
from tests.support.postgres import free_port, start_server  # noqa: E402
from tests.support.sinks import HttpSink, SmtpSink  # noqa: E402

from warroom.db.engine import make_engine  # noqa: E402
from warroom.incidents.models import Incident  # noqa: E402
from warroom.ingest.models import Signal  # noqa: E402
from warroom.notify.models import Delivery  # noqa: E402

BIN = Path(sys.executable).parent
AM_KEY = "bench-notify-am-key-0123456789"
TARGET_P99_MS = 250.0
DRAIN_SECONDS = 60
"""How long to wait after the last alert for the sinks to receive everything."""
TITLE = re.compile(r"(?:Bench|Storm)Alert(\d+)")


def config(smtp_port: int, hook_url: str) -> str:
    return f"""
teams:
  - slug: bench
    name: Bench
    timezone: UTC
    escalation_policy: bench
    contacts: [{{kind: webhook, target: "{hook_url}"}}]
services: [{{slug: bench, name: Bench, team: bench}}]
people:
  - username: oncall
    name: On Call
    contacts: [{{kind: email, target: oncall@bench.example}}]
schedules:
  - slug: bench
    name: Bench
    team: bench
    timezone: UTC
    layers: [{{name: always, participants: [oncall], start: "2026-01-05T00:00"}}]
escalation_policies:
  - slug: bench
    name: Bench
    steps: [{{notify_on_call: bench}}]
integrations:
  - slug: bench-am
    kind: alertmanager
    key: {AM_KEY}
    team: bench
    rate_limit: {{per_second: 100000, burst: 100000}}
notifications:
  email: {{host: 127.0.0.1, port: {smtp_port}, from_address: warroom@bench.example}}
"""


WARMUP = 20
"""Alerts sent (one every 50 ms) and delivered before the measured run and left out of the
figures: the first requests of a fresh process compile templates, SQL statements and
connection pools, which a server that has been up for a minute has long done."""


def opens_incident(number: int, every: int) -> bool:
    return number % every == 0


def alert_of(number: int, every: int) -> dict[str, Any]:
    """Alert ``number`` of the load: every ``every``-th opens its own SEV1 incident; the
    others are new alerts (their own fingerprints) of the group of the latest such one, so
    they join its incident — the shape of an alert storm."""
    if opens_incident(number, every):
        return payload(number)
    return payload(number, "StormAlert", group=f"BenchAlert-{number - number % every}")


def payload(number: int, name: str = "BenchAlert", group: str | None = None) -> dict[str, Any]:
    # As Alertmanager writes it: the alert's start, to the sub-second.
    now = datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    return {
        "version": "4",
        "groupKey": group or f"{name}-{number}",
        "status": "firing",
        "receiver": "warroom",
        "groupLabels": {},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.bench",
        "alerts": [
            {
                "status": "firing",
                "labels": {
                    "alertname": f"{name}{number}",
                    "severity": "critical",
                    "service": "bench",
                },
                "annotations": {"summary": f"bench alert {number}"},
                "startsAt": now,
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus.bench/graph",
                "fingerprint": f"{zlib.crc32(name.encode()):08x}{number:08x}",
            }
        ],
    }


@dataclass
class Figures:
    name: str
    samples: list[float]  # seconds
    expected: int

    def pct(self, q: float) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    def line(self, reference: Figures | None = None) -> str:
        if not self.samples:
            return f"{self.name:<34} no deliveries"
        text = (
            f"{self.name:<34} n={len(self.samples)}/{self.expected}  p50 {self.pct(0.5):7.1f} ms"
            f"  p90 {self.pct(0.9):7.1f}  p99 {self.pct(0.99):7.1f}  max {self.pct(1.0):7.1f}"
        )
        if reference is not None and reference.samples:
            ratio = self.pct(0.99) / max(reference.pct(0.99), 0.001)
            text += f"  p99 = {ratio:,.0f}x the bare send"
        return text


def reference(smtp: SmtpSink, hook: HttpSink, count: int) -> tuple[Figures, Figures]:
    mail_times: list[float] = []
    for number in range(count):
        mail = EmailMessage()
        mail["Subject"] = f"reference {number}"
        mail["From"] = "bench@bench.example"
        mail["To"] = "reference@bench.example"
        mail.set_content("reference")
        started = time.time()
        with smtplib.SMTP("127.0.0.1", smtp.port, timeout=10) as client:
            client.send_message(mail)
        mail_times.append(time.time() - started)
    hook_times: list[float] = []
    with httpx.Client() as client:
        for number in range(count):
            started = time.time()
            client.post(hook.url, json={"reference": number})
            hook_times.append(time.time() - started)
    return Figures("bare SMTP send", mail_times, count), Figures(
        "bare webhook POST", hook_times, count
    )


def start_warroom(
    workdir: Path, database_url: str, config_text: str, serve_args: list[str] | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    path = workdir / "warroom.yaml"
    path.write_text(config_text)
    port = free_port()
    env = {
        **os.environ,
        "WARROOM_DATABASE_URL": database_url,
        "WARROOM_PORT": str(port),
        "WARROOM_LOG_LEVEL": "warning",
    }
    log = open(workdir / "warroom.log", "wb")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [str(BIN / "warroom"), "serve", "--migrate", "--config", str(path), *(serve_args or [])],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.kill()
    raise SystemExit(f"warroom did not start: {(workdir / 'warroom.log').read_text()[-2000:]}")


CONNECTIONS = 64
"""Keep-alive connections the load is sent over (as many as an Alertmanager cluster's)."""


async def send_load(url: str, rate: int, seconds: float, every: int) -> dict[int, float]:
    """Open loop: alert n is due at start + n/rate, whatever the answers do; its time is the
    time it was due, so an answer that keeps a connection busy delays (and counts against)
    the alerts queued behind it. Plain HTTP/1.1 over ``CONNECTIONS`` asyncio connections, a
    constant cost per request: a client library's pool, once behind, spent more CPU per
    request the longer its queue grew and added seconds of its own to the figures."""
    host, port = url.removeprefix("http://").split(":")
    path = f"/ingest/alertmanager/{AM_KEY}"
    due: dict[int, float] = {}
    answered: list[float] = []
    failed: dict[int, str] = {}
    total = int(rate * seconds)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for number in range(total):
        queue.put_nowait(number)
    start = time.time() + 0.2

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            while not queue.empty():
                number = queue.get_nowait()
                due[number] = start + number / rate
                delay = due[number] - time.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                body = orjson.dumps(alert_of(number, every))
                head_lines = (
                    f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json"
                    f"\r\nContent-Length: {len(body)}\r\n\r\n"
                )
                writer.write(head_lines.encode() + body)
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
                length = CONTENT_LENGTH.search(head)
                await reader.readexactly(int(length.group(1)) if length else 0)
                answered.append(time.time() - due[number])
                status = head.split(b" ", 2)[1].decode()
                if status != "200":
                    failed[number] = status
        finally:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(CONNECTIONS)))
    if failed:
        print(f"{len(failed)} of {total} alerts were not accepted: {sorted(set(failed.values()))}")
    print(spread("answer to the alert's POST (from when due)", answered))
    return {number: at for number, at in due.items() if number not in failed}


CONTENT_LENGTH = re.compile(rb"(?i)content-length: *(\d+)")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        print("warroom did not stop within 20 s of SIGTERM; killed")


def report_errors(log_path: Path) -> None:
    lines = log_path.read_text(errors="replace").splitlines()
    errors = [line for line in lines if '"level": "error"' in line]
    if errors:
        events = sorted({line.split('"event": "', 1)[-1].split('"', 1)[0] for line in errors})
        kept = Path(tempfile.gettempdir()) / "bench-notify-warroom.log"
        shutil.copyfile(log_path, kept)
        print(f"  warroom logged {len(errors)} errors ({', '.join(events)}); log kept: {kept}")
        first = errors[0]
        print(f"  first: {first[:160]} ... {first[-240:]}")


def spread(name: str, seconds: list[float]) -> str:
    if not seconds:
        return f"  {name:<46} none"
    ordered = sorted(seconds)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return f"  {name:<46} n={len(ordered):<5} p50 {at(0.5):8.1f} ms  p99 {at(0.99):8.1f}"


def warm_up(url: str, smtp: SmtpSink, hook: HttpSink) -> None:
    with httpx.Client(timeout=10) as client:
        for number in range(WARMUP):
            client.post(
                f"{url}/ingest/alertmanager/{AM_KEY}", json=payload(number, "WarmupAlert")
            ).raise_for_status()
            time.sleep(0.05)
    deadline = time.monotonic() + DRAIN_SECONDS
    while time.monotonic() < deadline and (
        len(smtp.received()) < WARMUP or len(hook.received()) < WARMUP
    ):
        time.sleep(0.05)
    smtp.messages.clear()
    hook.requests.clear()


def breakdown(database_url: str, sent: dict[int, float]) -> None:
    """Where the time went, from warroom's own timestamps (each taken at the start of the
    worker round that did the step, so a step's figure includes waiting for that round)."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            signals = conn.execute(
                select(Signal.received_at, Signal.processed_at).where(Signal.id > WARMUP)
            ).all()
            received = conn.execute(
                select(Signal.identity, Signal.received_at).where(Signal.id > WARMUP)
            ).all()
            declared = dict(
                conn.execute(
                    select(Incident.id, Incident.declared_at).where(Incident.number > WARMUP)
                ).all()
            )
            deliveries = conn.execute(
                select(Delivery.incident_id, Delivery.created_at, Delivery.delivered_at)
            ).all()
    finally:
        engine.dispose()
    print("  where the time went (warroom's timestamps):")
    # The fingerprint ends with the alert's number (see ``payload``): the client's clock and
    # warroom's are the same machine's.
    print(
        spread(
            "alert due -> signal received (client, HTTP)",
            [
                got.replace(tzinfo=UTC).timestamp() - sent[int(identity[-8:], 16)]
                for identity, got in received
                if int(identity[-8:], 16) in sent
            ],
        )
    )
    print(
        spread(
            "signal received -> processed (incident declared)",
            [(done - got).total_seconds() for got, done in signals if done is not None],
        )
    )
    print(
        spread(
            "incident declared -> delivery enqueued",
            [
                (created - declared[incident]).total_seconds()
                for incident, created, _ in deliveries
                if incident in declared
            ],
        )
    )
    print(
        spread(
            "delivery enqueued -> sent (recorded)",
            [(sent - created).total_seconds() for _, created, sent in deliveries if sent],
        )
    )


def measure(
    backend: str,
    database_url: str,
    rate: int,
    seconds: float,
    every: int,
    serve_args: list[str] | None = None,
) -> list[Figures]:
    with (
        tempfile.TemporaryDirectory(prefix="bench-notify-") as tmp,
        SmtpSink() as smtp,
        HttpSink() as hook,
    ):
        ref_mail, ref_hook = reference(smtp, hook, 200)
        smtp.messages.clear()
        hook.requests.clear()
        process, url = start_warroom(
            Path(tmp), database_url, config(smtp.port, hook.url), serve_args
        )
        try:
            warm_up(url, smtp, hook)
            began = time.time()
            sent = asyncio.run(send_load(url, rate, seconds, every))
            expected = sum(1 for number in sent if opens_incident(number, every))
            deadline = time.monotonic() + DRAIN_SECONDS
            while time.monotonic() < deadline and (
                len(smtp.received()) < expected or len(hook.received()) < expected
            ):
                time.sleep(0.1)
        finally:
            stop(process)
        last = max([m.received_at for m in smtp.received()] + [began])
        print(
            f"{backend}: sent {len(sent)} alerts ({expected} opening incidents) in "
            f"{max(sent.values()) - began:.1f} s; "
            f"received {len(smtp.received())} emails and {len(hook.received())} webhooks; "
            f"last email {last - began:.1f} s after the first alert "
            f"({len(smtp.received()) / max(last - began, 0.001):.0f} emails/s drained)"
        )
        report_errors(Path(tmp) / "warroom.log")
        breakdown(database_url, sent)

        # An incident is titled after whichever alert of its group warroom saw first; its
        # latency counts from the group's first alert sent.
        def latency(text: str, received_at: float) -> float | None:
            found = TITLE.search(text)
            if not found:
                return None
            number = int(found.group(1))
            first = sent.get(number - number % every)
            return None if first is None else received_at - first

        mail_latency = [
            value
            for mail in smtp.received()
            if (value := latency(mail.subject, mail.received_at)) is not None
        ]
        hook_latency = [
            value
            for request in hook.received()
            if (value := latency(request.body.decode(), request.received_at)) is not None
        ]
        return [
            ref_mail,
            ref_hook,
            Figures(f"warroom {backend}: email page", mail_latency, expected),
            Figures(f"warroom {backend}: team webhook", hook_latency, expected),
        ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=100, help="alerts per second")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument(
        "--every", type=int, default=10, help="every N-th alert opens a new SEV1 incident"
    )
    parser.add_argument("--backends", default="sqlite", help="sqlite,postgresql")
    parser.add_argument(
        "--worker-thread",
        action="store_true",
        help="serve with --worker-thread (the worker on a thread of the API's process) to "
        "compare with the default worker process",
    )
    args = parser.parse_args()
    every = max(args.every, 1)
    print(
        f"bench/notify: {args.rate} alerts/s for {args.seconds:.0f} s; every {every}. alert "
        f"opens a SEV1 incident -> one email page + one team webhook, the others join it; "
        f"target p99 < {TARGET_P99_MS:.0f} ms"
    )
    for backend in args.backends.split(","):
        server = None
        with tempfile.TemporaryDirectory(prefix="bench-notify-db-") as tmp:
            if backend == "sqlite":
                url = f"sqlite:///{tmp}/warroom.db"
            else:
                server = start_server()
                url = server.url("postgres")
            try:
                subprocess.run(
                    [str(BIN / "warroom"), "db", "upgrade"],
                    check=True,
                    env={**os.environ, "WARROOM_DATABASE_URL": url},
                    stdout=subprocess.DEVNULL,
                )
                serve_args = ["--worker-thread"] if args.worker_thread else []
                figures = measure(backend, url, args.rate, args.seconds, every, serve_args)
            finally:
                if server is not None:
                    server.stop()
        ref_mail, ref_hook, mail, hook = figures
        print(ref_mail.line())
        print(ref_hook.line())
        print(mail.line(ref_mail))
        print(hook.line(ref_hook))
        worst = max(mail.pct(0.99), hook.pct(0.99)) if mail.samples and hook.samples else None
        complete = len(mail.samples) == mail.expected and len(hook.samples) == hook.expected
        verdict = "met" if worst is not None and worst < TARGET_P99_MS and complete else "NOT met"
        print(
            f"{backend}: target p99 < {TARGET_P99_MS:.0f} ms {verdict}"
            + ("" if complete else " (some deliveries missing)")
        )


if __name__ == "__main__":
    main()
