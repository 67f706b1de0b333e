"""Lead time of warroom's anomaly monitor over a static threshold alert.

    python -m bench.detect.lead_time [--runs 3]

Runs the early-warning scenario of ``tests/detect/sources/lead_time.py`` on a fresh SQLite
database each time: the real Prometheus (``/usr/bin/prometheus``) scrapes an exporter every
second whose latency wobbles around 100 ms for 30 s, then climbs 10 ms a second; Prometheus
evaluates ``request_latency_seconds > 0.3`` every second and remote-writes into warroom,
whose monitor (source prometheus, step 1s, sensitivity 0.5) watches the same series. Prints,
per run, the seconds from the drift's start to warroom's SEV3 incident and to Prometheus's
threshold alert firing, and the lead time between them.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.detect.sources import lead_time  # noqa: E402

from warroom.db.engine import make_engine  # noqa: E402
from warroom.db.migrate import upgrade  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="How many runs (default 1).")
    args = parser.parse_args()
    leads: list[float] = []
    for run in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory(prefix="warroom-lead-") as tmp:
            workdir = Path(tmp)
            engine = make_engine(f"sqlite:///{workdir / 'warroom.db'}")
            upgrade(engine)
            try:
                measured = lead_time.run(workdir, engine)
            finally:
                engine.dispose()
        leads.append(measured.lead_seconds)
        print(
            f"run {run}: monitor SEV3 after {measured.monitor_seconds:.1f}s, threshold alert "
            f"after {measured.threshold_seconds:.1f}s, lead {measured.lead_seconds:.1f}s"
        )
    print(f"lead time: median {statistics.median(leads):.1f}s over {len(leads)} run(s)")


if __name__ == "__main__":
    main()
