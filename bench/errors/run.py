"""bench/errors: Sentry intake and processing, in one invocation.

    .venv/bin/python -m bench.errors.run [--seconds 8] [--events 1000000] [--backends sqlite]

1. Intake: the real sentry-sdk's envelope (captured, one event each, gzip; every envelope
   with its own event id) replayed at full speed by wrk to ``warroom serve --no-worker``
   and to a bare ASGI app that only reads the body, on the same server stack. The ratio of
   durable envelopes per second between them (target >= 0.4x). After each warroom run the
   ``error_items`` table is counted: every distinct event answered 200 must be stored.
2. Processing (in this process, the worker's own code): events grouped and stored per second
   when every event opens a new issue, and when every event repeats one issue (target
   >= 2,000 repeat events/s on SQLite).
3. Memory: the worker's resident set while it processes ``--events`` repeat events, printed
   at every tenth (flat means the batch, not the history, decides it).
"""

from __future__ import annotations

import argparse
import gzip
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import orjson
from sqlalchemy import Engine, func, insert, select

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.support.postgres import free_port, start_server  # noqa: E402

from bench.ingest.run import RESULT, process  # noqa: E402
from warroom.config import Config  # noqa: E402
from warroom.db.engine import make_engine, make_session_factory  # noqa: E402
from warroom.db.migrate import upgrade  # noqa: E402
from warroom.ingest.sentry.models import ErrorItem, ItemKind  # noqa: E402
from warroom.pipeline.errors import process_pending  # noqa: E402

BIN = Path(sys.executable).parent
LUA = Path(__file__).with_name("envelopes.lua")
CAPTURED = (
    ROOT / "tests" / "fixtures" / "sentry" / "envelopes" / "envelope_wsgi_unhandled_event.txt"
)
KEY = "abc123publickey"
PROJECT_ID = 42
AUTH = f"Sentry sentry_key={KEY}, sentry_version=7, sentry_client=sentry.python/2.75.0"
PREPARED = 60_000
"""Distinct envelopes (each a new event id), shared out among wrk's threads; a run that
answers more than this sends some twice (the check then counts distinct ids)."""
WRK_THREADS = 2
CONFIG = f"""
teams: [{{slug: bench, name: Bench, timezone: UTC}}]
projects:
  - slug: bench
    id: {PROJECT_ID}
    team: bench
    platform: python
    spike_protection: false
    keys: [{{public_key: {KEY}}}]
"""
INTAKE_TARGET = 0.4
REPEAT_TARGET = 2000
PROCESS_EVENTS = 20_000
CHECKPOINTS = 10


def captured_event() -> tuple[dict[str, object], dict[str, object], bytes]:
    """(envelope header, item header, event) of the real SDK's capture."""
    header, item, payload = CAPTURED.read_bytes().split(b"\n", 2)
    return orjson.loads(header), orjson.loads(item), payload.rstrip(b"\n")


def envelope_with(event_id: str) -> bytes:
    header, item, payload = captured_event()
    event = orjson.loads(payload)
    event["event_id"] = event_id
    body = orjson.dumps(event)
    item = {**item, "length": len(body)}
    return b"\n".join([orjson.dumps({**header, "event_id": event_id}), orjson.dumps(item), body])


def prepare_file(path: Path, count: int) -> None:
    with path.open("wb") as out:
        for _ in range(count):
            body = gzip.compress(envelope_with(uuid.uuid4().hex))
            out.write(b"%08d" % len(body) + body)


def wrk(url: str, seconds: int, connections: int, envelopes: Path) -> dict[str, int]:
    out = subprocess.run(
        [
            "wrk",
            f"-t{WRK_THREADS}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(LUA),
            url,
        ],
        env={
            "ENVELOPES": str(envelopes),
            "AUTH": AUTH,
            "THREADS": str(WRK_THREADS),
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 120,
    ).stdout
    match = RESULT.search(out)
    if match is None:
        raise RuntimeError(f"wrk printed no result: {out}")
    return {k: int(v) for k, v in (kv.split("=") for kv in match.group(1).split())}


def rate(result: dict[str, int]) -> float:
    return (result["requests"] - result["non2xx"]) / (result["duration_us"] / 1e6)


def intake(args: argparse.Namespace, tmp: Path, url: str, backend: str, envelopes: Path) -> None:
    port = free_port()
    with process(
        [
            str(BIN / "python"),
            "-m",
            "uvicorn",
            "bench.ingest.bare_app:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        f"http://127.0.0.1:{port}/",
        cwd=ROOT,
    ):
        bare = wrk(
            f"http://127.0.0.1:{port}/api/{PROJECT_ID}/envelope/",
            args.seconds,
            args.connections,
            envelopes,
        )
    engine = make_engine(url)
    upgrade(engine)
    config = tmp / "warroom.yaml"
    config.write_text(CONFIG)
    port = free_port()
    env = {"WARROOM_DATABASE_URL": url, "WARROOM_PORT": str(port), "WARROOM_LOG_LEVEL": "warning"}
    with process(
        [str(BIN / "warroom"), "serve", "--migrate", "--config", str(config), "--no-worker"],
        f"http://127.0.0.1:{port}/healthz",
        env=env,
    ):
        ours = wrk(
            f"http://127.0.0.1:{port}/api/{PROJECT_ID}/envelope/",
            args.seconds,
            args.connections,
            envelopes,
        )
    with engine.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(ErrorItem)).scalar_one()
    engine.dispose()
    answered = ours["requests"] - ours["non2xx"]
    durable = "yes" if stored >= min(answered, PREPARED) else f"NO ({stored} stored)"
    print(
        f"\nIntake ({backend}, {args.connections} connections, {args.seconds} s, 1 event per "
        "envelope, gzip):"
    )
    print(f"{'target':<12} {'envelopes/s':>12} {'p50 ms':>8} {'p99 ms':>8} {'non2xx':>7}")
    for name, result in (("bare ASGI", bare), ("warroom", ours)):
        print(
            f"{name:<12} {rate(result):>12,.0f} {result['p50_us'] / 1000:>8.2f} "
            f"{result['p99_us'] / 1000:>8.2f} {result['non2xx']:>7}"
        )
    ratio = rate(ours) / rate(bare)
    verdict = "met" if ratio >= INTAKE_TARGET else "NOT met"
    print(
        f"ratio {ratio:.2f}x (target >= {INTAKE_TARGET}x: {verdict}); every distinct event "
        f"answered 200 stored: {durable}"
    )


def _items(engine: Engine, count: int, same_issue: bool, start: int) -> None:
    header, item, payload = captured_event()
    event = orjson.loads(payload)
    received = datetime.now(UTC)
    rows = []
    for n in range(count):
        if not same_issue:  # another exception type: another issue
            event["exception"]["values"][0]["type"] = f"BenchError{start + n}"  # type: ignore[index]
        event_id = uuid.uuid4().hex
        rows.append(
            {
                "project_id": PROJECT_ID,
                "public_key": KEY,
                "kind": ItemKind.EVENT,
                "event_id": event_id,
                "received_at": received,
                "headers": {**item, "trace": header.get("trace")},
                "payload": orjson.dumps({**event, "event_id": event_id}),
            }
        )
    with engine.begin() as conn:
        conn.execute(insert(ErrorItem), rows)


def drain(engine: Engine, config: Config) -> None:
    factory = make_session_factory(engine)
    while process_pending(factory, config, datetime.now(UTC)):
        pass


def processing(
    url: str, backend: str, events: int, on_checkpoint: Callable[[int], None] | None = None
) -> dict[str, float]:
    engine = make_engine(url)
    upgrade(engine)
    config = Config.model_validate(__import__("yaml").safe_load(CONFIG))
    found: dict[str, float] = {}
    for label, same in (("new", False), ("repeat", True)):
        _items(engine, PROCESS_EVENTS, same, 0)
        started = time.perf_counter()
        drain(engine, config)
        found[label] = PROCESS_EVENTS / (time.perf_counter() - started)
    engine.dispose()
    return found


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory(url: str, events: int) -> list[tuple[int, float]]:
    engine = make_engine(url)
    upgrade(engine)
    config = Config.model_validate(__import__("yaml").safe_load(CONFIG))
    step = max(1, events // CHECKPOINTS)
    points: list[tuple[int, float]] = []
    done = 0
    while done < events:
        chunk = min(step, events - done)
        for start in range(0, chunk, PROCESS_EVENTS):
            _items(engine, min(PROCESS_EVENTS, chunk - start), True, 0)
            drain(engine, config)
        done += chunk
        points.append((done, rss_mib()))
        print(f"  {done:>9,} events: worker RSS {points[-1][1]:.0f} MiB", flush=True)
    engine.dispose()
    return points


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--backends", default="sqlite")
    parser.add_argument("--events", type=int, default=1_000_000, help="for the memory phase")
    parser.add_argument("--skip", default="", help="comma list of intake,processing,memory")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    if "intake" not in skip and shutil.which("wrk") is None:
        sys.exit("bench/errors needs wrk (Debian package) for the intake phase")
    tmp = Path(tempfile.mkdtemp(prefix="warroom-bench-errors-"))
    pg = None
    try:
        envelopes = tmp / "envelopes.bin"
        if "intake" not in skip:
            prepare_file(envelopes, PREPARED)
        for backend in args.backends.split(","):

            def url(name: str, backend: str = backend) -> str:
                nonlocal pg
                if backend == "sqlite":
                    return f"sqlite:///{tmp / name}.db"
                pg = pg or start_server()
                return pg.url()

            if "intake" not in skip:
                intake(args, tmp, url("intake"), backend, envelopes)
            if "processing" not in skip:
                found = processing(url("processing"), backend, PROCESS_EVENTS)
                verdict = "met" if found["repeat"] >= REPEAT_TARGET else "NOT met"
                print(
                    f"\nProcessing ({backend}, {PROCESS_EVENTS:,} events each): new issues "
                    f"{found['new']:,.0f} events/s, repeat {found['repeat']:,.0f} events/s "
                    f"(target >= {REPEAT_TARGET:,}: {verdict})"
                )
            if "memory" not in skip and backend == "sqlite":
                print(f"\nMemory ({backend}) while the worker processes {args.events:,} events:")
                points = memory(url("memory"), args.events)
                first, last = points[0][1], points[-1][1]
                print(
                    f"RSS after {points[0][0]:,}: {first:.0f} MiB, after {points[-1][0]:,}: "
                    f"{last:.0f} MiB ({last - first:+.0f} MiB)"
                )
    finally:
        if pg is not None:
            pg.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
