"""bench/ingest/flood: does one integration flooding delay another one's alerts?

    .venv/bin/python -m bench.ingest.flood [--rate 100] [--factor 10] [--seconds 10]

A ``warroom serve`` (SQLite, API and worker process as in production) on a fresh database.
Two phases in the same invocation, each bounded by ``--seconds`` and all on loopback:

1. reference: integration ``quiet-alone`` sends ``--rate`` single-alert Alertmanager posts
   per second, open loop, and nothing else runs;
2. flood: integration ``quiet-flooded`` sends the same, while integration ``flood`` sends
   ``--factor`` times as many at once.

For the quiet integration's alerts it prints the time from receipt (``received_at``, set
when the signal is durable) to the pipeline's decision (``processed_at``: routed, matched
against the alert rules, the rule's action taken), p50/p99/max, and the ratio of the flooded
phase to the reference. The flood's own figures and what it left pending when the quiet
alerts were done show what it cost the flood itself. The quiet integration's answer times
(POST to 2xx, from when the post was due) are printed for both phases too.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import Engine, select

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.support.postgres import free_port  # noqa: E402

from bench.ingest.run import BIN, open_loop, percentile, process  # noqa: E402
from warroom.db.engine import make_engine  # noqa: E402
from warroom.db.migrate import upgrade  # noqa: E402
from warroom.ingest.models import Signal  # noqa: E402

KEYS = {
    "quiet-alone": "bench-quiet-alone-key-0123456",
    "quiet-flooded": "bench-quiet-flooded-key-01234",
    "flood": "bench-flood-key-0123456789abc",
}
INTEGRATIONS = "\n".join(
    f"  - {{slug: {slug}, kind: alertmanager, key: {key},"
    " rate_limit: {per_second: 10000000, burst: 10000000}}"
    for slug, key in KEYS.items()
)
CONFIG = f"""
teams: [{{slug: bench, name: Bench, timezone: UTC}}]
services: [{{slug: bench, name: Bench, team: bench}}]
integrations:
{INTEGRATIONS}
alert_rules:
  - {{name: notify-everything, action: notify}}
"""
DRAIN_SECONDS = 120
"""How long to wait, after the load stops, for the quiet integration's signals to be decided."""


def path(slug: str) -> str:
    return f"/ingest/alertmanager/{KEYS[slug]}/api/v2/alerts"


def delays_ms(engine: Engine, slug: str) -> tuple[list[float], int]:
    """Receipt-to-decision times of an integration's decided signals, and how many wait."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(Signal.received_at, Signal.processed_at).where(Signal.integration == slug)
        ).all()
    done = [
        (processed - received).total_seconds() * 1000
        for received, processed in rows
        if processed is not None
    ]
    return done, len(rows) - len(done)


def wait_decided(engine: Engine, slug: str, expected: int) -> tuple[list[float], float]:
    """Waits until every signal of ``slug`` is decided; its delays and the seconds waited."""
    start = time.monotonic()
    while True:
        done, pending = delays_ms(engine, slug)
        if len(done) >= expected and pending == 0:
            return done, time.monotonic() - start
        if time.monotonic() - start > DRAIN_SECONDS:
            raise RuntimeError(f"{slug}: {pending} signals undecided after {DRAIN_SECONDS} s")
        time.sleep(0.2)


def line(label: str, values: list[float], extra: str = "") -> str:
    return (
        f"{label:<28} {len(values):>7} {percentile(values, 0.5):>9.1f} "
        f"{percentile(values, 0.99):>9.1f} {max(values):>9.1f}  {extra}"
    )


async def load(port: int, rate: int, seconds: int, flood_rate: int) -> list[float]:
    """Runs a phase; the quiet integration's answer times (from when each post was due)."""
    senders = [
        open_loop(
            "127.0.0.1",
            port,
            path("quiet-flooded" if flood_rate else "quiet-alone"),
            rate,
            seconds,
            connections=8,
        )
    ]
    if flood_rate:
        senders.append(open_loop("127.0.0.1", port, path("flood"), flood_rate, seconds))
    answers = await asyncio.gather(*senders)
    return [answer * 1000 for answer in answers[0]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=int, default=100, help="quiet alerts per second")
    parser.add_argument("--factor", type=int, default=10, help="the flood is this many times")
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="warroom-flood-"))
    config = tmp / "warroom.yaml"
    config.write_text(CONFIG)
    url = f"sqlite:///{tmp / 'warroom.db'}"
    engine = make_engine(url)
    upgrade(engine)
    port = free_port()
    env = {"WARROOM_DATABASE_URL": url, "WARROOM_PORT": str(port), "WARROOM_LOG_LEVEL": "warning"}
    quiet = args.rate * args.seconds
    try:
        with process(
            [str(BIN / "warroom"), "serve", "--migrate", "--config", str(config)],
            f"http://127.0.0.1:{port}/healthz",
            env=env,
        ):
            answered_alone = asyncio.run(load(port, args.rate, args.seconds, 0))
            alone, _ = wait_decided(engine, "quiet-alone", quiet)
            answered_flooded = asyncio.run(
                load(port, args.rate, args.seconds, args.rate * args.factor)
            )
            flooded, waited = wait_decided(engine, "quiet-flooded", quiet)
            flood_done, flood_pending = delays_ms(engine, "flood")
    finally:
        engine.dispose()
        shutil.rmtree(tmp, ignore_errors=True)

    print(
        f"\nreceipt -> decision, ms; quiet {args.rate}/s, flood {args.factor}x "
        f"({args.rate * args.factor}/s), {args.seconds} s per phase\n"
    )
    print(f"{'alerts':<28} {'count':>7} {'p50':>9} {'p99':>9} {'max':>9}")
    print(line("quiet, alone (reference)", alone))
    print(
        line(
            "quiet, during the flood",
            flooded,
            f"p99 {percentile(flooded, 0.99) / percentile(alone, 0.99):.2f}x the reference",
        )
    )
    if flood_done:
        print(
            line(
                "flood",
                flood_done,
                f"{flood_pending} still pending {waited:.1f} s after the load stopped",
            )
        )
    print("\nquiet integration's POST answered (2xx, durable), ms from when it was due")
    print(line("alone (reference)", answered_alone))
    print(line("during the flood", answered_flooded))


if __name__ == "__main__":
    main()
