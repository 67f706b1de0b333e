"""A compressed week of alert traffic against one warroom on SQLite, with retention on:
does the database level off, and is ingest as fast at the end as at the start?

    .venv/bin/python -m bench.soak.run [--days 7] [--alerts-per-hour 200] [--batch 20]

warroom serves on a loopback port (uvicorn on a thread of this process) with a simulated
clock. Every simulated hour, Alertmanager's API receives the ``--alerts-per-hour`` alerts
that keep firing (sent again each hour, as Alertmanager does) plus a tenth as many new ones
while the previous hour's new ones resolve (``--batch`` alerts a request); the clock moves on
an hour and the worker runs until idle, its retention stage included. Retention is compressed
with the week: raw signals and finished deliveries and jobs are kept 1 day, alert events
2 days, so the steady state arrives on day 3 instead of after months. Alerts and incidents
are kept, by design: the churning alerts add rows for good (a tenth of the hourly traffic),
which is the slope left in the curve.

Prints, per simulated day: the database file's size (after a WAL checkpoint), the rows of
the pruned tables, and the ingest latency (p50/p99 of the POSTs that day); and the longest
retention batch. Bounded: it stops by itself after ``--days``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.support.postgres import free_port  # noqa: E402

from warroom.app import create_app  # noqa: E402
from warroom.config import LiveConfig  # noqa: E402
from warroom.db.checkpoint import checkpoint_in_background  # noqa: E402
from warroom.db.engine import make_engine  # noqa: E402
from warroom.db.migrate import upgrade  # noqa: E402
from warroom.observability.logging import configure  # noqa: E402
from warroom.pipeline.retention import Pruner  # noqa: E402
from warroom.settings import Settings  # noqa: E402

AM_KEY = "soak-am-key-0123456789abcdef0123"
CONFIG = f"""
teams: [{{slug: soak, name: Soak, timezone: UTC}}]
services: [{{slug: soak, name: Soak, team: soak}}]
integrations:
  - slug: soak-am
    kind: alertmanager
    key: {AM_KEY}
    rate_limit: {{per_second: 10000000, burst: 10000000}}
alert_rules:
  - {{name: soak, action: incident, group_by: service, group_window: 1d}}
retention:
  signals: {{max_age: 1d}}
  alert_events: {{max_age: 2d}}
  deliveries: {{max_age: 1d}}
  jobs: {{max_age: 1d}}
  error_events: {{max_age: 1d}}
  every: 1h
"""
PRUNED = ("signals", "alert_events", "deliveries", "jobs")


class SimClock:
    def __init__(self) -> None:
        self.now = START + timedelta(minutes=1)

    def __call__(self) -> datetime:
        return self.now


START = datetime(2026, 6, 1, tzinfo=UTC)


def alert(name: str, instance: str, starts: datetime, ends: datetime | None) -> dict[str, object]:
    out: dict[str, object] = {
        "labels": {
            "alertname": name,
            "instance": instance,
            "service": "soak",
            "severity": "warning",
        },
        "annotations": {"summary": f"soak {name} on {instance}"},
        "startsAt": starts.isoformat(),
    }
    if ends is not None:
        out["endsAt"] = ends.isoformat()
    return out


def hour_of_traffic(hour: int, per_hour: int, now: datetime) -> list[dict[str, object]]:
    """What Alertmanager sends in an hour: the ``per_hour`` alerts that keep firing (sent
    again, as it does), and a tenth as many that start now while last hour's such resolve."""
    steady = [alert("SoakSteady", f"host-{i}", START, None) for i in range(per_hour)]
    churn = per_hour // 10
    started = [alert(f"SoakChurn{hour}", f"host-{i}", now, None) for i in range(churn)]
    resolved = [
        alert(f"SoakChurn{hour - 1}", f"host-{i}", now - timedelta(hours=1), now)
        for i in range(churn)
    ]
    return [*steady, *started, *resolved]


def db_size(path: Path) -> int:
    """The database file after a checkpoint that empties the WAL (serve runs them too)."""
    connection = sqlite3.connect(path, timeout=10)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
    wal = path.with_name(f"{path.name}-wal")
    return path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


def rows(engine: object) -> dict[str, int]:
    with engine.connect() as connection:  # type: ignore[attr-defined]
        return {
            t: int(connection.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar_one())
            for t in (*PRUNED, "alerts", "incidents")
        }


@dataclass
class Soak:
    """The running warroom and what the run measured."""

    ingest: str
    clock: SimClock
    worker: Any
    pruner: Pruner
    longest_batch: float = 0.0
    longest_at: str = ""

    def day(self, client: httpx.Client, day: int, per_hour: int, batch_size: int) -> list[float]:
        """Twenty-four simulated hours; the ingest latencies (ms)."""
        latencies: list[float] = []
        for hour_of_day in range(24):
            traffic = hour_of_traffic((day - 1) * 24 + hour_of_day, per_hour, self.clock.now)
            for i in range(0, len(traffic), batch_size):
                body = json.dumps(traffic[i : i + batch_size]).encode()
                sent = time.perf_counter()
                answer = client.post(
                    self.ingest, content=body, headers={"content-type": "application/json"}
                )
                latencies.append((time.perf_counter() - sent) * 1000)
                if answer.status_code != 200:
                    raise SystemExit(f"ingest answered {answer.status_code}: {answer.text}")
            self.clock.now += timedelta(hours=1)
            self.worker.drain()
            report = self.pruner.last_report
            if report is not None and report.longest_batch_seconds > self.longest_batch:
                self.longest_batch = report.longest_batch_seconds
                self.longest_at = f"day {day} hour {hour_of_day}, removed {report.removed}"
        return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--alerts-per-hour", type=int, default=200)
    parser.add_argument("--batch", type=int, default=20)
    args = parser.parse_args()
    configure("warning", json=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="warroom-soak-") as tmp:
        workdir = Path(tmp)
        (workdir / "warroom.yaml").write_text(CONFIG)
        path = workdir / "warroom.db"
        url = f"sqlite:///{path}"
        engine = make_engine(url)
        upgrade(engine)
        clock = SimClock()
        settings = dataclasses.replace(
            Settings.from_env(), database_url=url, config_path=workdir / "warroom.yaml"
        )
        checkpointer = checkpoint_in_background(engine)  # as warroom serve does
        app = create_app(settings, LiveConfig(settings.config_path), engine=engine, clock=clock)
        worker = app.state.worker
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.02)
        soak = Soak(
            f"http://127.0.0.1:{port}/ingest/alertmanager/{AM_KEY}/api/v2/alerts",
            clock,
            worker,
            next(s for s in worker.stages if isinstance(s, Pruner)),
        )
        print(
            f"{'day':>3} {'db MiB':>7} {'signals':>8} {'events':>7} {'deliv':>6} {'jobs':>5} "
            f"{'alerts':>6} {'incid':>5} {'p50 ms':>7} {'p99 ms':>7}"
        )
        curve = []
        with httpx.Client(timeout=30) as client:
            for day in range(1, args.days + 1):
                latencies = soak.day(client, day, args.alerts_per_hour, args.batch)
                size = db_size(path)
                counts = rows(engine)
                curve.append(size)
                print(
                    f"{day:>3} {size / 2**20:>7.2f} {counts['signals']:>8} "
                    f"{counts['alert_events']:>7} {counts['deliveries']:>6} {counts['jobs']:>5} "
                    f"{counts['alerts']:>6} {counts['incidents']:>5} "
                    f"{statistics.median(latencies):>7.2f} "
                    f"{statistics.quantiles(latencies, n=100)[98]:>7.2f}",
                    flush=True,
                )
        server.should_exit = True
        thread.join(15)
        if checkpointer is not None:
            checkpointer.stop()
        engine.dispose()
    growth = curve[-1] / curve[len(curve) // 2] if len(curve) > 2 else float("nan")
    print(
        f"longest retention batch: {soak.longest_batch * 1000:.1f} ms ({soak.longest_at})\n"
        f"size at the end / at mid-run: {growth:.2f}; wall time "
        f"{time.monotonic() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
