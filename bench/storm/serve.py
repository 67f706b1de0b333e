"""The storm to warroom, through its stable interfaces only: ``warroom db upgrade``,
``warroom serve`` (or ``serve --no-worker`` beside N ``warroom worker`` processes), HTTP, and
the tables ``signals``, ``alerts``, ``incidents`` and ``deliveries`` read with plain SQL.

The reads go through a plain SQLAlchemy engine, not warroom's ``make_engine``: on SQLite
that one begins every transaction with the database's write lock, and the bench's polling
would queue with the worker for it. What is read:

- ``signals``: ``integration``, ``identity``, ``received_at`` (which wave: before or after
  the second wave's first POST), ``processed_at`` (NULL: pending), ``outcome``, ``alert_id``;
- ``alerts``: ``identity``, ``service`` (``checkout``, or a team's ``svc-NN``) and
  ``incident_id`` (the incident it is attached to);
- ``incidents``: ``team``; ``deliveries``: ``purpose = 'page'`` and ``target``.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, text
from tests.support.sinks import SmtpSink

from bench.notify.run import BIN, report_errors, start_warroom, stop
from bench.storm.load import (
    STORM_SERVICE,
    STORM_TEAM,
    Endpoint,
    Storm,
    StormRun,
    run_storm,
    team_service,
    team_slug,
)

STORM_KEY = "bench-storm-am-key-0123456789"
TEAMS_KEY = "bench-storm-teams-key-0123456"
PAGE_WAIT = 30.0
"""After the backlog is decided, how long to wait for the pages still missing."""
SETTLE = 2.0
"""And then how long to wait for a page that should not come (a second one to payments)."""
POLL = 0.25


def oncall(team: str) -> str:
    return f"oncall-{team}@bench.example"


def config(storm: Storm, smtp_port: int, teams_integration: bool) -> str:
    """``payments`` owns ``checkout``; team-NN owns svc-NN. Each team has one on-call
    person (an email contact), a schedule and an escalation policy that pages them once.
    One alert rule: severity critical opens a SEV1 incident, grouped by service."""
    teams = [STORM_TEAM] + [team_slug(n) for n in range(1, storm.teams + 1)]
    services = [STORM_SERVICE] + [team_service(n) for n in range(1, storm.teams + 1)]
    unlimited = "rate_limit: {per_second: 10000000, burst: 10000000}"
    lines = ["teams:"]
    lines += [f"  - {{slug: {t}, name: {t}, timezone: UTC, escalation_policy: {t}}}" for t in teams]
    lines.append("services:")
    lines += [
        f"  - {{slug: {s}, name: {s}, team: {t}}}" for s, t in zip(services, teams, strict=True)
    ]
    lines.append("people:")
    lines += [
        f"  - {{username: {t}-oncall, name: {t} on call,"
        f" contacts: [{{kind: email, target: {oncall(t)}}}]}}"
        for t in teams
    ]
    lines.append("schedules:")
    lines += [
        f"  - {{slug: {t}, name: {t}, team: {t}, timezone: UTC, layers: [{{name: always,"
        f' participants: [{t}-oncall], start: "2026-01-05T00:00"}}]}}'
        for t in teams
    ]
    lines.append("escalation_policies:")
    lines += [f"  - {{slug: {t}, name: {t}, steps: [{{notify_on_call: {t}}}]}}" for t in teams]
    lines.append("integrations:")
    lines.append(f"  - {{slug: storm-am, kind: alertmanager, key: {STORM_KEY}, {unlimited}}}")
    if teams_integration:
        lines.append(f"  - {{slug: teams-am, kind: alertmanager, key: {TEAMS_KEY}, {unlimited}}}")
    lines += [
        "alert_rules:",
        "  - name: sev1-by-service",
        "    matchers: ['severity=\"critical\"']",
        "    action: incident",
        "    severity: SEV1",
        "    group_by: service",
        "notifications:",
        f"  email: {{host: 127.0.0.1, port: {smtp_port}, from_address: warroom@bench.example}}",
    ]
    return "\n".join(lines) + "\n"


def epoch(value: Any) -> float:
    """A timestamp column as read through ``text()``: a string on SQLite (naive UTC), an
    aware datetime on PostgreSQL."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    assert isinstance(moment, datetime), value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


@dataclass
class Phase:
    """The storm's signals of one wave, as the database has them."""

    stored: int
    decided: int
    outcomes: dict[str, int]
    began: float | None
    """When deciding this wave's backlog could begin: its first receipt, or, for a wave whose
    signals queued behind the previous wave's, when the pipeline got to them (the earlier of
    the previous wave's last decision and this wave's first)."""
    last_processed: float | None
    delays: list[float]
    """Seconds from receipt to decision of each decided signal."""

    @property
    def decided_rate(self) -> float | None:
        """The wave's decided signals per second, from ``began`` to its last decision."""
        if not self.decided or self.began is None or self.last_processed is None:
            return None
        return self.decided / max(self.last_processed - self.began, 1e-6)


@dataclass
class WarroomRun:
    backend: str
    workers: int
    load: StormRun
    phases: tuple[Phase, Phase]
    pending: int
    """Signals (all integrations) still undecided when warroom was stopped."""
    drain_timed_out: bool
    drained_after: float | None
    """Seconds from the last answer of wave 2 to the last decision of a storm signal."""
    incidents: dict[int, int]
    """Incident id -> alerts of ``checkout`` attached to it."""
    storm_alerts: int
    """Alerts of ``checkout`` (distinct, any status)."""
    payments_incidents: int
    page_emails: int
    """Emails received by payments' on-call."""
    page_deliveries: int
    """Page deliveries to payments' on-call in the outbox."""
    team_latency: dict[int, float]
    """Team -> seconds from its alert's POST to the first email to its on-call."""
    team_decided: list[float]
    """Seconds from receipt to decision of the teams' signals."""
    stored_total: int
    """Signals stored by the integrations the bench sent to."""
    accepted_total: int
    """Alerts answered 2xx by warroom, storm and teams."""


def storm_phases(
    engine: Engine, wave2_began: float, undecided_teams: list[float]
) -> tuple[Phase, Phase]:
    """The storm's signals by wave. A team's signal is told apart by its alert (of a
    svc-NN service), so one not yet decided has none: ``undecided_teams`` (when such
    signals were sent, through the storm's integration) takes the pending signal received
    nearest each out of the storm's."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT received_at, processed_at, outcome FROM signals"
                " WHERE integration = 'storm-am' AND identity NOT IN"
                " (SELECT identity FROM alerts WHERE service LIKE 'svc-%')"
            )
        ).all()
    waves: tuple[list[Any], list[Any]] = ([], [])
    for received, processed, outcome in rows:
        at = epoch(received)
        waves[at >= wave2_began].append(
            (at, None if processed is None else epoch(processed), outcome)
        )
    for sent in undecided_teams:
        pending = [row for row in waves[sent >= wave2_began] if row[1] is None]
        if pending:
            waves[sent >= wave2_began].remove(min(pending, key=lambda row: abs(row[0] - sent)))
    phases: list[Phase] = []
    for wave in waves:
        done = [(got, decided) for got, decided, _ in wave if decided is not None]
        outcomes: dict[str, int] = {}
        for _, _, outcome in wave:
            outcomes[outcome or "pending"] = outcomes.get(outcome or "pending", 0) + 1
        began = min((got for got, _, _ in wave), default=None)
        previous = phases[-1].last_processed if phases else None
        if began is not None and previous is not None and done:
            began = max(began, min(previous, *(decided for _, decided in done)))
        phases.append(
            Phase(
                stored=len(wave),
                decided=len(done),
                outcomes=outcomes,
                began=began,
                last_processed=max((decided for _, decided in done), default=None),
                delays=[decided - got for got, decided in done],
            )
        )
    return phases[0], phases[1]


def scalar(engine: Engine, sql: str, **params: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(sql), params).scalar_one() or 0)


def wait_drained(engine: Engine, expected: int, timeout: float) -> bool:
    """Until every signal is stored and decided; False if ``timeout`` ran out first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stored = scalar(
            engine, "SELECT count(*) FROM signals WHERE integration IN ('storm-am', 'teams-am')"
        )
        if stored >= expected and not scalar(
            engine, "SELECT count(*) FROM signals WHERE processed_at IS NULL"
        ):
            return True
        time.sleep(POLL)
    return False


def start_workers(workdir: Path, database_url: str, count: int) -> list[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "WARROOM_DATABASE_URL": database_url,
        "WARROOM_CONFIG": str(workdir / "warroom.yaml"),
        "WARROOM_LOG_LEVEL": "warning",
    }
    workers = []
    for number in range(count):
        with open(workdir / f"worker-{number}.log", "wb") as log:  # the child keeps its copy
            workers.append(
                subprocess.Popen(
                    [str(BIN / "warroom"), "worker"], env=env, stdout=log, stderr=subprocess.STDOUT
                )
            )
    return workers


def measure(
    backend: str,
    database_url: str,
    storm: Storm,
    workers: int,
    drain_timeout: float,
    teams_integration: bool,
) -> WarroomRun:
    """``warroom serve`` with its own worker process (SQLite, one worker), or
    ``serve --no-worker`` and ``workers`` ``warroom worker`` processes, takes the storm."""
    subprocess.run(
        [str(BIN / "warroom"), "db", "upgrade"],
        check=True,
        env={**os.environ, "WARROOM_DATABASE_URL": database_url},
        stdout=subprocess.DEVNULL,
    )
    apart = backend != "sqlite" or workers != 1
    engine = create_engine(database_url)
    with tempfile.TemporaryDirectory(prefix="bench-storm-") as tmp, SmtpSink() as smtp:
        workdir = Path(tmp)
        server, url = start_warroom(
            workdir,
            database_url,
            config(storm, smtp.port, teams_integration),
            ["--no-worker"] if apart else [],
        )
        children = start_workers(workdir, database_url, workers) if apart else []
        try:
            host, port = url.removeprefix("http://").split(":")
            storm_path = f"/ingest/alertmanager/{STORM_KEY}/api/v2/alerts"
            team_key = TEAMS_KEY if teams_integration else STORM_KEY
            endpoint = Endpoint(
                host, int(port), storm_path, f"/ingest/alertmanager/{team_key}/api/v2/alerts"
            )
            load = run_storm(endpoint, storm)
            accepted = sum(wave.accepted for wave in load.waves) + len(load.team_sent)
            drained = wait_drained(engine, accepted, drain_timeout)
            deadline = time.monotonic() + (PAGE_WAIT if drained else 0)
            while (
                time.monotonic() < deadline
                and len({tuple(m.recipients) for m in smtp.received()}) < len(load.team_sent) + 1
            ):
                time.sleep(POLL)
            time.sleep(SETTLE)
        finally:
            for child in children:
                stop(child)
            stop(server)
        for log in sorted(workdir.glob("*.log")):
            report_errors(log)
        mails = smtp.received()
    try:
        return read_figures(
            engine,
            backend,
            workers,
            load,
            accepted,
            not drained,
            mails_by_recipient(mails),
            teams_integration,
        )
    finally:
        engine.dispose()


def mails_by_recipient(mails: list[Any]) -> dict[str, list[float]]:
    received: dict[str, list[float]] = {}
    for mail in mails:
        for recipient in mail.recipients:
            received.setdefault(recipient, []).append(mail.received_at)
    return received


def read_figures(
    engine: Engine,
    backend: str,
    workers: int,
    load: StormRun,
    accepted: int,
    timed_out: bool,
    mails: dict[str, list[float]],
    teams_integration: bool,
) -> WarroomRun:
    with engine.connect() as conn:
        incidents = {
            int(incident): int(count)
            for incident, count in conn.execute(
                text(
                    "SELECT incident_id, count(*) FROM alerts WHERE service = :service"
                    " AND incident_id IS NOT NULL GROUP BY incident_id"
                ),
                {"service": STORM_SERVICE},
            )
        }
        team_decided = {
            str(service): epoch(processed) - epoch(received)
            for service, received, processed in conn.execute(
                text(
                    "SELECT a.service, s.received_at, s.processed_at FROM signals s"
                    " JOIN alerts a ON a.id = s.alert_id"
                    " WHERE a.service LIKE 'svc-%' AND s.processed_at IS NOT NULL"
                )
            )
        }
    undecided = [
        at for number, at in load.team_sent.items() if team_service(number) not in team_decided
    ]
    phases = storm_phases(engine, load.wave2_began, [] if teams_integration else undecided)
    last_processed = [p.last_processed for p in phases if p.last_processed is not None]
    return WarroomRun(
        backend=backend,
        workers=workers,
        load=load,
        phases=phases,
        pending=scalar(engine, "SELECT count(*) FROM signals WHERE processed_at IS NULL"),
        drain_timed_out=timed_out,
        drained_after=max(0.0, max(last_processed) - load.waves[1].last_answer)
        if last_processed
        else None,
        incidents=incidents,
        storm_alerts=scalar(
            engine, "SELECT count(*) FROM alerts WHERE service = :s", s=STORM_SERVICE
        ),
        payments_incidents=scalar(
            engine, "SELECT count(*) FROM incidents WHERE team = :t", t=STORM_TEAM
        ),
        page_emails=len(mails.get(oncall(STORM_TEAM), [])),
        page_deliveries=scalar(
            engine,
            "SELECT count(*) FROM deliveries WHERE purpose = 'page' AND target = :t",
            t=oncall(STORM_TEAM),
        ),
        team_latency={
            number: min(mails[oncall(team_slug(number))]) - at
            for number, at in load.team_sent.items()
            if oncall(team_slug(number)) in mails
        },
        team_decided=list(team_decided.values()),
        stored_total=scalar(
            engine,
            "SELECT count(*) FROM signals WHERE integration IN ('storm-am', 'teams-am')",
        ),
        accepted_total=accepted,
    )
