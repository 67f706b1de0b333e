"""bench/storm: one alert storm to warroom and to the real Alertmanager 0.25, in one run.

    .venv/bin/python -m bench.storm.run [--backends sqlite,postgres] [--workers 1,2]
        [--targets 2000] [--per-target 10] [--seconds 10] [--drain-timeout 300] [--quick]

One service (``checkout``, team ``payments``) loses its data centre: ``--targets`` instances
each fire ``--per-target`` alert names, sent as Alertmanager v2 API POSTs (batches of 64, as
Prometheus's notifier sends them) over ``--seconds``, open loop from several connections;
then a second wave re-sends every alert with a new current value (joining signals, not
duplicates). Meanwhile 20 other teams each send one alert at staggered times: the time from
that alert to the team's first page is the figure that matters. warroom (one alert rule: a
critical alert opens a SEV1 incident, grouped by service) must make one incident of the
whole storm, with every alert attached, that pages payments' on-call once; Alertmanager
(``group_by: [service]``, ``group_wait: 0s``, a webhook receiver) is the reference, and
the same waves unpaced to a fresh Alertmanager (best of 3) give its intake capacity.
Everything runs on loopback, bounded in count and time, and stops by itself; warroom's
backlog is waited for at most ``--drain-timeout`` seconds, and what was left is reported.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.support.postgres import start_server  # noqa: E402

from bench.storm import alertmanager, figures, serve  # noqa: E402
from bench.storm.load import STORM_SERVICE, Storm  # noqa: E402

TEAMS = 20
DEFAULTS = (
    ("targets", 2000, 200),
    ("per_target", 10, 5),
    ("seconds", 10.0, 3.0),
    ("drain_timeout", 300.0, 30.0),
)
"""Option, default, default with --quick."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default="sqlite", help="sqlite,postgres")
    parser.add_argument(
        "--workers",
        default="1",
        help="worker processes, e.g. 1,2: on PostgreSQL warroom serve --no-worker and N "
        "warroom worker; on SQLite 1 is warroom serve with its own worker process",
    )
    parser.add_argument("--targets", type=int, help="2000 (--quick: 200)")
    parser.add_argument("--per-target", type=int, help="alert names per target: 10 (5)")
    parser.add_argument("--seconds", type=float, help="each wave's duration, 10 (3); 0: unpaced")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument(
        "--teams-integration",
        action="store_true",
        help="the other teams send through an integration of their own (default: the "
        "storm's, as one Prometheus sends everything)",
    )
    parser.add_argument("--drain-timeout", type=float, help="seconds: 300 (30)")
    parser.add_argument(
        "--quick", action="store_true", help="200 targets x 5, 3 s: a smoke run under a minute"
    )
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    for name, full, quick in DEFAULTS:
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)
    if shutil.which(alertmanager.BINARY) is None:
        sys.exit(f"bench/storm needs {alertmanager.BINARY} (Debian package)")
    storm = Storm(args.targets, args.per_target, args.seconds, args.connections, TEAMS)
    command = shlex.join(["python", "-m", "bench.storm.run", *sys.argv[1:]])
    date = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(
        f"bench/storm: {storm.alerts:,} alerts ({storm.targets:,} targets x "
        f"{storm.per_target}) of service {STORM_SERVICE}, two waves of "
        f"{storm.seconds:g} s each (batches of 64, {storm.connections} connections, open "
        f"loop); {storm.teams} other teams send one alert each meanwhile, through "
        f"{'their own integration' if args.teams_integration else 'the same integration'}",
        flush=True,
    )
    print(f"load average before: {load_average()} (a shared machine moves every figure)")
    reference = figures.Reference(
        paced=alertmanager.measure(storm),
        unpaced=alertmanager.capacity(storm),
    )
    figures.print_alertmanager(reference)
    runs: list[serve.WarroomRun] = []
    for backend in args.backends.split(","):
        for workers in (int(n) for n in args.workers.split(",")):
            runs.append(measure(backend, workers, storm, args))
            figures.print_warroom(runs[-1], reference, storm, args.drain_timeout)
            figures.print_targets(runs[-1], reference, storm)
    for line in figures.scaling(runs):
        print(line)
    print(f"load average after: {load_average()}")
    print()
    print(figures.table(runs, reference, storm, command, date))


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def measure(backend: str, workers: int, storm: Storm, args: argparse.Namespace) -> serve.WarroomRun:
    """One warroom run on a fresh database (a fresh PostgreSQL server for each)."""
    print(f"\n... warroom on {backend} with {workers} worker(s)", flush=True)
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="bench-storm-db-") as tmp:
            return serve.measure(
                backend,
                f"sqlite:///{tmp}/warroom.db",
                storm,
                workers,
                args.drain_timeout,
                args.teams_integration,
            )
    if backend not in ("postgres", "postgresql"):
        sys.exit(f"unknown backend {backend!r}: sqlite or postgres")
    server = start_server()
    try:
        return serve.measure(
            "postgres",
            server.url("postgres"),
            storm,
            workers,
            args.drain_timeout,
            args.teams_integration,
        )
    finally:
        server.stop()


if __name__ == "__main__":
    main()
