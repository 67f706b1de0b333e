"""What an inhibit rule costs the worker per alert as open alerts pile up (an alert storm).

    .venv/bin/python -m bench.route.inhibit [--open 10,1000,5000] [--checks 200]
                                            [--database-url URL]

Fills a fresh database with N firing alerts (none of them a source of the rule), then times
``InhibitMuter.mutes`` for a target alert: the check looks for a firing source with the same
``equal`` labels among the open alerts. Prints milliseconds per check and the ratio to the
smallest N, in the same invocation; a check that reads every open alert grows with N.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import delete  # noqa: E402

from warroom.alerts.models import Alert, AlertDecision, AlertStatus  # noqa: E402
from warroom.alerts.mute import InhibitMuter  # noqa: E402
from warroom.config.loader import parse_config  # noqa: E402
from warroom.db.engine import make_engine, make_session_factory  # noqa: E402
from warroom.db.migrate import upgrade  # noqa: E402
from warroom.ingest.models import SourceKind  # noqa: E402

CONFIG = """\
inhibit_rules:
  - source_matchers: ['alertname="DatacenterDown"']
    target_matchers: ['severity="warning"']
    equal: [datacenter, cluster]
"""
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def alert(n: int, alertname: str, datacenter: str) -> Alert:
    return Alert(
        integration="am",
        source=SourceKind.ALERTMANAGER,
        identity=f"fp-{alertname}-{n}",
        status=AlertStatus.FIRING,
        title=f"{alertname}: instance {n} is slow",
        description="",
        severity="warning",
        environment="production",
        labels={
            "alertname": alertname,
            "datacenter": datacenter,
            "cluster": f"c{n % 7}",
            "instance": f"node-{n}",
            "severity": "warning",
            "job": "node",
        },
        annotations={"summary": "queue depth above 100", "runbook": "https://runbooks/x"},
        links=[],
        team="platform",
        service=None,
        routed_by={"step": "label", "reason": "label team=platform"},
        starts_at=NOW,
        first_seen_at=NOW,
        last_seen_at=NOW,
        occurrences=1,
        decision=AlertDecision.INCIDENT,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--open", default="10,1000,5000", help="open alerts, comma-separated")
    parser.add_argument("--checks", type=int, default=200)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="warroom-inhibit-"))
    engine = make_engine(args.database_url or f"sqlite:///{tmp / 'warroom.db'}")
    upgrade(engine)
    sessions = make_session_factory(engine)
    muter = InhibitMuter(parse_config(CONFIG))
    print(f"{'open alerts':>11} {'ms/check':>9} {'vs first':>9}")
    first = None
    for count in (int(n) for n in args.open.split(",")):
        with sessions() as session:
            session.execute(delete(Alert))
            session.add_all(alert(n, "ServiceSlow", f"dc{n % 3}") for n in range(count))
            target = alert(count, "QueueSlow", "dc1")
            session.add(target)
            session.commit()
            started = time.perf_counter()
            for _ in range(args.checks):
                assert muter.mutes(session, target, NOW) is None
                session.expunge_all()
                session.add(target)
            per_check = (time.perf_counter() - started) / args.checks * 1000
        first = first or per_check
        print(f"{count:>11} {per_check:>9.3f} {per_check / first:>8.1f}x")


if __name__ == "__main__":
    main()
