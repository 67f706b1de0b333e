"""In-process cost of one ingest request (no sockets, no wrk): CPU microseconds per request
and per alert through the whole ASGI app, the group-commit writer and SQLite included.

    .venv/bin/python -m bench.ingest.inproc [--format am|pd] [--batch 1] [--requests 20000]
                                            [--concurrency 64] [--profile]

Wall-clock benchmarks on a shared machine swing with its load; CPU time per request does
not, so this is the number to watch while optimising the hot path (``--profile`` prints
cProfile's top functions). The group-commit writer commits on its own thread, mostly outside
the GIL, so two figures are printed: the whole process's CPU, and the event loop's (the main
thread), which bounds one process's throughput when a second core takes the commits.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.ingest.run import AM_KEY, CONFIG, PD_KEY  # noqa: E402
from warroom.app import create_app  # noqa: E402
from warroom.config import LiveConfig  # noqa: E402
from warroom.db.engine import make_engine  # noqa: E402
from warroom.db.migrate import upgrade  # noqa: E402
from warroom.observability.logging import configure  # noqa: E402
from warroom.settings import Settings  # noqa: E402

ALERT = (
    '{{"labels":{{"alertname":"BenchAlert","instance":"t{n}-{i}","severity":"warning",'
    '"service":"bench"}},"annotations":{{"summary":"queue depth above 100"}},'
    '"startsAt":"2026-11-22T11:57:59Z","generatorURL":"http://prometheus:9090/graph"}}'
)


EVENT = (
    '{{"routing_key":"{key}","event_action":"trigger","dedup_key":"t{n}",'
    '"payload":{{"summary":"queue depth above 100","source":"bench","severity":"warning"}}}}'
)
PATHS = {"am": f"/ingest/alertmanager/{AM_KEY}/api/v2/alerts", "pd": "/v2/enqueue"}
ANSWERS = {"am": 200, "pd": 202}


def body(n: int, batch: int, fmt: str = "am") -> bytes:
    if fmt == "pd":
        return EVENT.format(key=PD_KEY, n=n).encode()
    return ("[" + ",".join(ALERT.format(n=n, i=i) for i in range(batch)) + "]").encode()


async def drive(app: Any, batch: int, requests: int, concurrency: int, fmt: str = "am") -> None:
    path = PATHS[fmt]
    queue = list(range(requests))

    async def client() -> None:
        while queue:
            n = queue.pop()
            payload = body(n, batch, fmt)
            scope = {
                "type": "http",
                "asgi": {"version": "3.0"},
                "http_version": "1.1",
                "method": "POST",
                "scheme": "http",
                "path": path,
                "raw_path": path.encode(),
                "query_string": b"",
                "root_path": "",
                "headers": [
                    (b"host", b"bench"),
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                ],
                "client": ("127.0.0.1", 1),
                "server": ("127.0.0.1", 80),
            }
            sent = False

            message = {"type": "http.request", "body": payload, "more_body": False}

            async def receive(message: dict[str, Any] = message) -> dict[str, Any]:
                nonlocal sent
                if sent:
                    await asyncio.sleep(3600)
                sent = True
                return message

            status = 0

            async def send(message: dict[str, Any]) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]

            await app(scope, receive, send)
            if status != ANSWERS[fmt]:
                raise RuntimeError(f"status {status}")

    await asyncio.gather(*(client() for _ in range(concurrency)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument(
        "--format",
        choices=sorted(PATHS),
        default="am",
        help="am: Alertmanager v2 alerts; pd: PagerDuty events (batch 1)",
    )
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    configure("warning")
    tmp = Path(tempfile.mkdtemp(prefix="warroom-inproc-"))
    (tmp / "warroom.yaml").write_text(CONFIG)
    url = args.database_url or f"sqlite:///{tmp / 'warroom.db'}"
    engine = make_engine(url)
    upgrade(engine)
    settings = Settings(database_url=url, config_path=tmp / "warroom.yaml", log_level="warning")
    app = create_app(settings, LiveConfig(tmp / "warroom.yaml"), engine=engine)
    try:
        import uvloop

        runner: Any = uvloop.run
    except ImportError:  # pragma: no cover
        runner = asyncio.run
    warm_up = min(2000, args.requests)
    runner(drive(app, args.batch, warm_up, args.concurrency, args.format))
    profiler = cProfile.Profile() if args.profile else None
    cpu, wall, loop_cpu = time.process_time(), time.perf_counter(), time.thread_time()
    if profiler:
        profiler.enable()
    runner(drive(app, args.batch, args.requests, args.concurrency, args.format))
    if profiler:
        profiler.disable()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    loop_cpu = time.thread_time() - loop_cpu
    per_request = cpu / args.requests * 1e6
    alerts = args.requests * args.batch
    print(
        f"{args.format} batch {args.batch}: {per_request:.1f} us CPU/request, "
        f"{per_request / args.batch:.2f} us CPU/alert, "
        f"{alerts / cpu:,.0f} alerts per CPU-second; event loop "
        f"{loop_cpu / alerts * 1e6:.2f} us/alert ({alerts / loop_cpu:,.0f} alerts/s); "
        f"wall {wall:.2f}s ({alerts / wall:,.0f} alerts/s)"
    )
    if profiler:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(35)


if __name__ == "__main__":
    main()
