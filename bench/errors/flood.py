"""bench/errors/flood: does one project sending 10x its quota delay another one's new issues?

    .venv/bin/python -m bench.errors.flood [--rate 20] [--quota 6000] [--factor 10] [--seconds 10]

A ``warroom serve`` (SQLite, API and worker process as in production) on a fresh database,
with an issue rule that notifies the owning team of every new issue. Two phases, each
bounded by ``--seconds``, all on loopback:

1. reference: project ``quiet-alone`` sends ``--rate`` envelopes per second, open loop, each
   event a new issue, and nothing else runs;
2. flood: project ``quiet-flooded`` sends the same while project ``flood`` (quota
   ``--quota`` events per minute) sends ``--factor`` times its quota.

For the quiet project's events it prints the time from receipt (durable) to the worker's
decision (issue opened, rules evaluated, the team notified), p50/p99/max, and the ratio of
the flooded phase to the reference; for the flood, how many of its envelopes were answered
429 (throttled) and how long its accepted events waited.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import re
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

import orjson
from sqlalchemy import Engine, select

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.support.postgres import free_port  # noqa: E402

from bench.ingest.run import BIN, percentile, process  # noqa: E402
from warroom.db.engine import make_engine  # noqa: E402
from warroom.db.migrate import upgrade  # noqa: E402
from warroom.ingest.sentry.models import ErrorItem  # noqa: E402

PROJECTS = {"quiet-alone": 201, "quiet-flooded": 202, "flood": 203}
KEYS = {slug: f"bench{slug.replace('-', '')}key0123456789"[:32] for slug in PROJECTS}
DRAIN_SECONDS = 120
SECONDS_PER_MINUTE = 60


def config(quota: int) -> str:
    projects = "\n".join(
        f"  - {{slug: {slug}, id: {pid}, team: bench, platform: python, "
        f"spike_protection: false, keys: [{{public_key: {KEYS[slug]}}}]"
        + (f", events_per_minute: {quota}" if slug == "flood" else "")
        + "}"
        for slug, pid in PROJECTS.items()
    )
    return f"""
teams:
  - {{slug: bench, name: Bench, timezone: UTC, contacts: [{{kind: email, target: b@example.com}}]}}
projects:
{projects}
issue_rules:
  - {{name: new-issues, conditions: [{{kind: new_issue}}], action: notify}}
"""


def envelope(n: int) -> bytes:
    event_id = uuid.uuid4().hex
    event = {
        "event_id": event_id,
        "platform": "python",
        "level": "error",
        "exception": {"values": [{"type": f"BenchError{n}", "value": "boom"}]},
    }
    body = orjson.dumps(event)
    lines = [orjson.dumps({"event_id": event_id}), orjson.dumps({"type": "event"}), body]
    return gzip.compress(b"\n".join(lines))


async def open_loop(port: int, slug: str, rate: int, seconds: int) -> tuple[list[float], int]:
    """``rate`` envelopes per second on a fixed schedule; answer times (from when each was
    due) of the 200s, and how many were answered 429."""
    total = rate * seconds
    bodies = [envelope(n) for n in range(total)]  # made before the clock starts
    start = time.perf_counter() + 0.2
    answered: list[float] = []
    limited = 0
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(total):
        queue.put_nowait(n)
    path = f"/api/{PROJECTS[slug]}/envelope/"
    auth = f"Sentry sentry_key={KEYS[slug]}, sentry_version=7"

    async def client() -> None:
        nonlocal limited
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while True:
            try:
                n = queue.get_nowait()
            except asyncio.QueueEmpty:
                break
            scheduled = start + n / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            body = bodies[n]
            writer.write(
                f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Sentry-Auth: {auth}\r\n"
                f"Content-Encoding: gzip\r\nContent-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
            headers = await reader.readuntil(b"\r\n\r\n")
            found = re.search(rb"(?i)content-length: (\d+)", headers)
            await reader.readexactly(int(found.group(1)) if found else 0)
            if headers.startswith(b"HTTP/1.1 429"):
                limited += 1
            elif headers.startswith(b"HTTP/1.1 200"):
                answered.append(time.perf_counter() - scheduled)
            else:
                raise RuntimeError(headers.decode(errors="replace"))
        writer.close()

    connections = max(1, min(32, rate // 10))
    await asyncio.gather(*(client() for _ in range(connections)))
    return [a * 1000 for a in answered], limited


def delays_ms(engine: Engine, project_id: int) -> tuple[list[float], int]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(ErrorItem.received_at, ErrorItem.processed_at).where(
                ErrorItem.project_id == project_id
            )
        ).all()
    done = [(p - r).total_seconds() * 1000 for r, p in rows if p is not None]
    return done, len(rows) - len(done)


def wait_decided(engine: Engine, project_id: int, expected: int) -> tuple[list[float], float]:
    start = time.monotonic()
    while True:
        done, pending = delays_ms(engine, project_id)
        if len(done) >= expected and pending == 0:
            return done, time.monotonic() - start
        if time.monotonic() - start > DRAIN_SECONDS:
            raise RuntimeError(f"project {project_id}: {pending} items pending")
        time.sleep(0.2)


def line(label: str, values: list[float], extra: str = "") -> str:
    if not values:
        return f"{label:<28} {0:>7}"
    return (
        f"{label:<28} {len(values):>7} {percentile(values, 0.5):>9.1f} "
        f"{percentile(values, 0.99):>9.1f} {max(values):>9.1f}  {extra}"
    )


async def phase(
    port: int, args: argparse.Namespace, flooded: bool
) -> dict[str, tuple[list[float], int]]:
    quiet = "quiet-flooded" if flooded else "quiet-alone"
    senders = {quiet: open_loop(port, quiet, args.rate, args.seconds)}
    if flooded:
        flood_rate = args.factor * args.quota // SECONDS_PER_MINUTE
        senders["flood"] = open_loop(port, "flood", flood_rate, args.seconds)
    results = await asyncio.gather(*senders.values())
    return dict(zip(senders, results, strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=int, default=20, help="quiet envelopes per second")
    parser.add_argument("--quota", type=int, default=6000, help="flood's events per minute")
    parser.add_argument("--factor", type=int, default=10, help="the flood sends this x quota")
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="warroom-errors-flood-"))
    (tmp / "warroom.yaml").write_text(config(args.quota))
    url = f"sqlite:///{tmp / 'warroom.db'}"
    engine = make_engine(url)
    upgrade(engine)
    port = free_port()
    env = {"WARROOM_DATABASE_URL": url, "WARROOM_PORT": str(port), "WARROOM_LOG_LEVEL": "warning"}
    quiet = args.rate * args.seconds
    try:
        with process(
            [str(BIN / "warroom"), "serve", "--migrate", "--config", str(tmp / "warroom.yaml")],
            f"http://127.0.0.1:{port}/healthz",
            env=env,
        ):
            reference = asyncio.run(phase(port, args, flooded=False))
            alone, _ = wait_decided(engine, PROJECTS["quiet-alone"], quiet)
            flood_phase = asyncio.run(phase(port, args, flooded=True))
            flooded, waited = wait_decided(engine, PROJECTS["quiet-flooded"], quiet)
            flood_done, flood_pending = delays_ms(engine, PROJECTS["flood"])
    finally:
        engine.dispose()
        shutil.rmtree(tmp, ignore_errors=True)
    flood_answers, flood_limited = flood_phase["flood"]
    flood_rate = args.factor * args.quota // SECONDS_PER_MINUTE
    print(
        f"\nreceipt -> decision (issue opened, rules run, team notified), ms; quiet "
        f"{args.rate}/s, flood {flood_rate}/s = {args.factor}x its quota of {args.quota}/min, "
        f"{args.seconds} s per phase\n"
    )
    print(f"{'events':<28} {'count':>7} {'p50':>9} {'p99':>9} {'max':>9}")
    print(line("quiet, alone (reference)", alone))
    print(
        line(
            "quiet, during the flood",
            flooded,
            f"p99 {percentile(flooded, 0.99) / percentile(alone, 0.99):.2f}x the reference",
        )
    )
    print(line("flood (accepted)", flood_done, f"{flood_pending} pending after {waited:.1f} s"))
    print(
        f"\nflood envelopes: {len(flood_answers):,} accepted, {flood_limited:,} answered 429 "
        f"({flood_limited / max(1, flood_limited + len(flood_answers)):.0%})"
    )
    print("\nquiet project's POST answered (200, durable), ms from when it was due")
    print(line("alone (reference)", reference["quiet-alone"][0]))
    print(line("during the flood", flood_phase["quiet-flooded"][0]))


if __name__ == "__main__":
    main()
