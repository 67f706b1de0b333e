"""In-process cost of the worker per alert: the pipeline, the incident jobs and the sends,
timed without HTTP load in the same process.

    .venv/bin/python -m bench.notify.drain [--alerts 300] [--every 10] [--runs 4] [--profile]

The alerts of ``bench.notify.run`` (every ``--every``-th opens a SEV1 incident that emails the
on-call person and posts to the team's webhook, the others join it) are posted to a fresh
SQLite database with the worker stopped; then the worker drains them (real SMTP and HTTP
sinks on loopback) and the wall time of the drain, divided by the alerts, is printed. The
worker's cost per alert bounds the rate ``warroom serve`` keeps up with (``bench.notify.run``
measures the latency under that rate). The minimum of ``--runs`` runs is the figure to
compare (a shared machine only ever adds time); ``--profile`` prints cProfile's top functions
of the last run.
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402
from tests.support.sinks import HttpSink, SmtpSink  # noqa: E402

from bench.notify.run import AM_KEY, alert_of, config  # noqa: E402
from warroom.app import create_app  # noqa: E402
from warroom.config import LiveConfig  # noqa: E402
from warroom.db.engine import make_engine  # noqa: E402
from warroom.db.migrate import upgrade  # noqa: E402
from warroom.observability.logging import configure  # noqa: E402
from warroom.settings import Settings  # noqa: E402


def one_run(
    alerts: int, every: int, smtp: SmtpSink, hook: HttpSink, profile: cProfile.Profile | None
) -> float:
    """Seconds per alert of one drain."""
    with tempfile.TemporaryDirectory(prefix="warroom-drain-") as workdir:
        path = Path(workdir) / "warroom.yaml"
        path.write_text(config(smtp.port, hook.url))
        url = f"sqlite:///{workdir}/warroom.db"
        engine = make_engine(url)
        upgrade(engine)
        app = create_app(Settings(database_url=url), LiveConfig(path), engine=engine)
        with TestClient(app) as client:
            for number in range(alerts):
                answer = client.post(f"/ingest/alertmanager/{AM_KEY}", json=alert_of(number, every))
                assert answer.status_code < 300, answer.text
            worker = app.state.worker
            if profile is not None:
                profile.enable()
            started = time.perf_counter()
            worker.drain()
            elapsed = time.perf_counter() - started
            if profile is not None:
                profile.disable()
        engine.dispose()
    expected_mails = (alerts + every - 1) // every
    if len(smtp.messages) < expected_mails:
        raise SystemExit(f"only {len(smtp.messages)} of {expected_mails} emails arrived")
    return elapsed / alerts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--alerts", type=int, default=300)
    parser.add_argument("--every", type=int, default=10)
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    configure("warning")
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    figures: list[float] = []
    for run in range(args.runs):
        profile = cProfile.Profile() if args.profile and run == args.runs - 1 else None
        with SmtpSink() as smtp, HttpSink() as hook:
            figures.append(one_run(args.alerts, args.every, smtp, hook, profile))
        if profile is not None:
            stats = pstats.Stats(profile)
            stats.sort_stats("cumulative").print_stats(45)
            stats.sort_stats("tottime").print_stats(30)
    line = "  ".join(f"{f * 1000:.2f}" for f in figures)
    print(
        f"worker drain, {args.alerts} alerts, every {args.every}th a new SEV1 incident: "
        f"min {min(figures) * 1000:.2f} ms per alert (runs: {line})"
    )


if __name__ == "__main__":
    main()
