"""bench/ingest: durable alerts per second of warroom, side by side with the real
Alertmanager 0.25 taking the same load and a bare ASGI app that only reads the body.

    .venv/bin/python -m bench.ingest.run [--seconds 10] [--backends sqlite,postgresql]

Load comes from wrk (Debian package ``wrk``) on loopback, bounded by ``--seconds``; every
process is started here and stopped at the end. After each warroom run the signals table
is counted: every alert answered 2xx must be stored ("durable"). Each warroom row is paired
with a fresh Alertmanager measured at the same batch just before it, and ``vs AM`` is the
ratio to that measurement (the AM column), so a machine's changing load cannot flatter or
hurt either side much. A last phase sends
1,000 alerts/s open-loop (latency measured from the scheduled send time) and prints p99.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import create_engine, func, select

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.support.postgres import free_port, start_server  # noqa: E402

from warroom.db.engine import make_engine  # noqa: E402
from warroom.db.migrate import upgrade  # noqa: E402
from warroom.ingest.models import Signal  # noqa: E402

BIN = Path(sys.executable).parent
LUA = Path(__file__).with_name("alerts.lua")
AM_KEY = "bench-am-key-0123456789abcdef"
PD_KEY = "benchpagerdutyroutingkey00000032"
RESULT = re.compile(r"RESULT (.*)")
CONFIG = f"""
teams: [{{slug: bench, name: Bench, timezone: UTC}}]
services: [{{slug: bench, name: Bench, team: bench}}]
integrations:
  - slug: bench-am
    kind: alertmanager
    key: {AM_KEY}
    rate_limit: {{per_second: 10000000, burst: 10000000}}
  - slug: bench-pd
    kind: pagerduty
    key: {PD_KEY}
    rate_limit: {{per_second: 10000000, burst: 10000000}}
"""
ALERTMANAGER_CONFIG = """
route: {receiver: blackhole, group_wait: 30s, group_interval: 5m, repeat_interval: 4h}
receivers: [{name: blackhole}]
"""


@dataclass
class Run:
    target: str
    backend: str
    fmt: str
    batch: int
    requests: int
    non2xx: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float
    stored: int | None = None
    reference: float | None = None
    """Alertmanager's alerts/s at this batch, measured right before this row."""

    @property
    def alerts_per_s(self) -> float:
        return (self.requests - self.non2xx) * self.batch / self.seconds

    @property
    def durable(self) -> str:
        if self.stored is None:
            return "n/a"
        acked = (self.requests - self.non2xx) * self.batch
        return "yes" if self.stored >= acked else f"NO ({self.stored} < {acked})"


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not become ready")


@contextmanager
def process(
    cmd: list[str], ready_url: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> Iterator[None]:
    proc = subprocess.Popen(
        cmd,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_ready(ready_url, proc)
        yield
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wrk(url: str, seconds: int, connections: int, batch: int, fmt: str) -> dict[str, int]:
    env = {**os.environ, "BATCH": str(batch), "FORMAT": fmt, "KEY": PD_KEY}
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(LUA), url],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    ).stdout
    match = RESULT.search(out)
    if match is None:
        raise RuntimeError(f"wrk printed no result: {out}")
    return {k: int(v) for k, v in (kv.split("=") for kv in match.group(1).split())}


def measure(
    target: str, backend: str, url: str, seconds: int, connections: int, batch: int, fmt: str
) -> Run:
    r = wrk(url, seconds, connections, batch, fmt)
    return Run(
        target,
        backend,
        fmt,
        batch,
        r["requests"],
        r["non2xx"],
        r["errors"],
        r["duration_us"] / 1e6,
        r["p50_us"] / 1000,
        r["p99_us"] / 1000,
    )


def count_signals(database_url: str) -> int:
    engine = create_engine(database_url)
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(Signal)).scalar_one()
    engine.dispose()
    return int(n)


async def open_loop(
    host: str, port: int, path: str, rate: int, seconds: int, connections: int = 32
) -> list[float]:
    """Send ``rate`` single-alert requests per second on a fixed schedule; latency counts
    from the scheduled send time, so a slow answer cannot hide queued requests."""
    body_fmt = (
        '[{{"labels":{{"alertname":"Paced","instance":"p{n}","severity":"warning"}},'
        '"startsAt":"2026-11-22T11:57:59Z"}}]'
    )
    total = rate * seconds
    start = time.perf_counter() + 0.2
    latencies: list[float] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(total):
        queue.put_nowait(n)

    async def client() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        while True:
            try:
                n = queue.get_nowait()
            except asyncio.QueueEmpty:
                break
            scheduled = start + n / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            body = body_fmt.format(n=n).encode()
            writer.write(
                f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
            headers = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"(?i)content-length: (\d+)", headers).group(1))  # type: ignore[union-attr]
            await reader.readexactly(length)
            if not headers.startswith(b"HTTP/1.1 2"):
                raise RuntimeError(headers.decode(errors="replace"))
            latencies.append(time.perf_counter() - scheduled)
        writer.close()

    await asyncio.gather(*(client() for _ in range(connections)))
    return latencies


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--batches", default="1,64")
    parser.add_argument("--formats", default="am,pd", help="am (Alertmanager v2), pd")
    args = parser.parse_args()
    for tool in ("wrk", "prometheus-alertmanager"):
        if shutil.which(tool) is None:
            sys.exit(f"bench/ingest needs {tool} (Debian package)")
    batches = [int(b) for b in args.batches.split(",")]
    runs: list[Run] = []
    tmp = Path(tempfile.mkdtemp(prefix="warroom-bench-"))
    config = tmp / "warroom.yaml"
    config.write_text(CONFIG)

    am_cfg = tmp / "alertmanager.yml"
    am_cfg.write_text(ALERTMANAGER_CONFIG)

    def alertmanager(batch: int) -> Run:
        """A fresh Alertmanager (empty store) measured at ``batch``."""
        port = free_port()
        with process(
            [
                "prometheus-alertmanager",
                f"--config.file={am_cfg}",
                f"--storage.path={tempfile.mkdtemp(dir=tmp)}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--cluster.listen-address=",
            ],
            f"http://127.0.0.1:{port}/-/ready",
        ):
            return measure(
                "alertmanager-0.25",
                "memory",
                f"http://127.0.0.1:{port}/api/v2/alerts",
                args.seconds,
                args.connections,
                batch,
                "am",
            )

    pg = None
    paced: dict[str, list[float]] = {}
    try:
        runs.extend(alertmanager(batch) for batch in batches)
        bare(runs, args, batches)
        for backend in args.backends.split(","):
            if backend == "sqlite":
                url = f"sqlite:///{tmp / 'warroom.db'}"
            else:
                pg = pg or start_server()
                url = pg.url()
            paced[backend] = bench_warroom(runs, args, batches, backend, url, config, alertmanager)
    finally:
        if pg is not None:
            pg.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    report(runs, paced)


def bare(runs: list[Run], args: argparse.Namespace, batches: list[int]) -> None:
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
        for batch in batches:
            runs.append(
                measure(
                    "bare-asgi",
                    "none",
                    f"http://127.0.0.1:{port}/api/v2/alerts",
                    args.seconds,
                    args.connections,
                    batch,
                    "am",
                )
            )


def bench_warroom(
    runs: list[Run],
    args: argparse.Namespace,
    batches: list[int],
    backend: str,
    url: str,
    config: Path,
    alertmanager: Callable[[int], Run],
) -> list[float]:
    """Each warroom row is paired with a fresh Alertmanager measured at the same batch just
    before it (``vs AM`` divides by that one): the load of a shared machine drifts."""
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    port = free_port()
    env = {"WARROOM_DATABASE_URL": url, "WARROOM_PORT": str(port), "WARROOM_LOG_LEVEL": "warning"}
    base = f"http://127.0.0.1:{port}"
    with process(
        [str(BIN / "warroom"), "serve", "--migrate", "--config", str(config), "--no-worker"],
        f"{base}/healthz",
        env=env,
    ):
        paths = {"am": f"/ingest/alertmanager/{AM_KEY}/api/v2/alerts", "pd": "/v2/enqueue"}
        for fmt in args.formats.split(","):
            for batch in batches if fmt == "am" else [1]:
                reference = alertmanager(batch)
                before = count_signals(url)
                run = measure(
                    "warroom",
                    backend,
                    base + paths[fmt],
                    args.seconds,
                    args.connections,
                    batch,
                    fmt,
                )
                time.sleep(0.5)
                run.stored = count_signals(url) - before
                run.reference = reference.alerts_per_s
                runs.append(run)
        return asyncio.run(
            open_loop(
                "127.0.0.1",
                port,
                f"/ingest/alertmanager/{AM_KEY}/api/v2/alerts",
                rate=1000,
                seconds=args.seconds,
            )
        )


def report(runs: list[Run], paced: dict[str, list[float]]) -> None:
    reference = {r.batch: r.alerts_per_s for r in runs if r.target.startswith("alertmanager")}
    print(
        f"\n{'target':<18} {'store':<10} {'fmt':<3} {'batch':>5} {'req/s':>9} "
        f"{'alerts/s':>10} {'p50 ms':>7} {'p99 ms':>7} {'vs AM':>6} {'non2xx':>6} durable "
        f"{'AM alerts/s':>11}"
    )
    for r in runs:
        base = r.reference or reference.get(r.batch)
        ratio = r.alerts_per_s / base if base else float("nan")
        print(
            f"{r.target:<18} {r.backend:<10} {r.fmt:<3} {r.batch:>5} "
            f"{(r.requests - r.non2xx) / r.seconds:>9.0f} {r.alerts_per_s:>10.0f} "
            f"{r.p50_ms:>7.2f} {r.p99_ms:>7.2f} {ratio:>5.2f}x {r.non2xx:>6} {r.durable:<7} "
            f"{base or 0:>11.0f}"
        )
    for backend, latencies in paced.items():
        print(
            f"\nwarroom/{backend} at 1,000 alerts/s open-loop ({len(latencies)} requests): "
            f"p50 {percentile(latencies, 0.5) * 1000:.2f} ms, "
            f"p99 {percentile(latencies, 0.99) * 1000:.2f} ms (target < 20 ms)"
        )


if __name__ == "__main__":
    main()
