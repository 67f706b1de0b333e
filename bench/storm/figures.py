"""What bench/storm prints: each system's figures as they come, then the targets of issue 12
and a markdown table the README can quote."""

from __future__ import annotations

from dataclasses import dataclass

from bench.ingest.run import percentile
from bench.storm.alertmanager import CAPACITY_RUNS, AlertmanagerRun
from bench.storm.load import STORM_SERVICE, STORM_TEAM, Sent, Storm
from bench.storm.serve import Phase, WarroomRun

JOINING_TARGET = 0.2
NEW_TARGET = 0.04
PAGE_P99_TARGET = 1.0
"""Seconds, from a team's first alert to its first page."""
WAVES = ("new-alert signals (wave 1)", "joining signals (wave 2)")


@dataclass
class Reference:
    """Alertmanager's figures for this storm: the paced run (with its webhook receiver) and
    the same two waves unpaced to a fresh one (its intake capacity for this storm)."""

    paced: AlertmanagerRun
    unpaced: tuple[Sent, Sent]


def rate(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}/s"


def ratio(value: float | None, reference: float | None) -> str:
    if value is None or not reference:
        return "—"
    share = value / reference
    if share >= 100:
        return f"{share:,.0f}x"
    return f"{share:.2f}x" if share >= 0.01 else f"{share:.4f}x"


def seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f} s" if value < 100 else f"{value:.0f} s"


def spread(values: list[float], expected: int) -> str:
    """p50 / p99 / max of latencies in seconds, with how many of ``expected`` there are."""
    if not values:
        return f"none of {expected}"
    text = (
        f"p50 {seconds(percentile(values, 0.5))}, p99 {seconds(percentile(values, 0.99))}, "
        f"max {seconds(max(values))}"
    )
    return text if len(values) == expected else f"{text} (only {len(values)} of {expected})"


def intake(name: str, sent: Sent) -> str:
    refused = f"; refused {sent.refused}" if sent.refused else ""
    return (
        f"  intake, {name}: {sent.accepted:,} accepted in {sent.seconds:.2f} s = "
        f"{rate(sent.rate)}{refused}"
    )


def print_alertmanager(reference: Reference) -> None:
    run = reference.paced
    print("\nAlertmanager 0.25 (in memory)")
    for name, paced, unpaced in zip(WAVES, run.waves, reference.unpaced, strict=True):
        print(intake(name, paced))
        print(
            f"    unpaced, the same alerts over as many connections to a fresh Alertmanager "
            f"(its capacity; best of {CAPACITY_RUNS}): {rate(unpaced.rate)}"
        )
    print(
        "  decided: Alertmanager deduplicates and groups in memory as it takes each POST in, "
        "so its decided rate is its intake rate"
    )
    print(
        f"  backlog drained after the last POST: 0 by construction; its API then listed "
        f"{run.held:,} alerts of {STORM_SERVICE} (the listing took {run.held_after:.2f} s)"
    )
    print(
        f"  group {STORM_SERVICE}: first notification "
        f"{seconds(run.first_storm_notification)} after the storm's first POST, "
        f"{run.storm_notifications} notifications in all (group_interval re-sends)"
    )
    print(
        f"  first alert -> first notification of each other team: "
        f"{spread(list(run.team_latency.values()), run.teams_sent)}"
    )


def phase_line(name: str, phase: Phase, intake_rate: float) -> str:
    decided = phase.decided_rate
    text = (
        f"  decided, {name}: {phase.decided:,} of {phase.stored:,} stored; "
        f"{rate(decided)} (from when its backlog could be worked on to its last decision), "
        f"{ratio(decided, intake_rate)} Alertmanager's intake of the wave, "
        f"outcomes {dict(sorted(phase.outcomes.items()))}"
    )
    if phase.delays:
        text += (
            f"\n    receipt -> decision p50 {seconds(percentile(phase.delays, 0.5))}, "
            f"p99 {seconds(percentile(phase.delays, 0.99))}"
        )
    return text


def print_warroom(
    run: WarroomRun, reference: Reference, storm: Storm, drain_timeout: float
) -> None:
    print(f"\nwarroom, {label(run)}")
    for name, sent, am in zip(WAVES, run.load.waves, reference.paced.waves, strict=True):
        print(f"{intake(name, sent)} ({ratio(sent.rate, am.rate)} Alertmanager)")
    for name, phase, am in zip(WAVES, run.phases, reference.paced.waves, strict=True):
        print(phase_line(name, phase, am.rate))
    if run.drain_timed_out:
        print(
            f"  backlog NOT drained: {run.pending:,} signals still pending when the "
            f"--drain-timeout of {drain_timeout:.0f} s ran out"
        )
    else:
        print(f"  backlog drained {seconds(run.drained_after)} after the last POST's answer")
    attached = sorted(run.incidents.values(), reverse=True)
    print(
        f"  {STORM_SERVICE}: {len(run.incidents)} incident(s) (must be 1), "
        f"{attached[0] if attached else 0:,} alerts attached to it (must be {storm.alerts:,}; "
        f"{run.storm_alerts:,} alerts of {STORM_SERVICE} in all); "
        f"{run.payments_incidents} incident(s) of {STORM_TEAM}"
    )
    print(
        f"  pages to {STORM_TEAM}' on-call: {run.page_emails} email(s) received, "
        f"{run.page_deliveries} page deliveries in the outbox (must be 1)"
    )
    print(
        f"  no loss: {run.stored_total:,} signals stored for {run.accepted_total:,} alerts "
        f"answered 2xx, {run.pending:,} not processed -> {loss(run)}"
    )
    print(
        f"  first alert -> first page of each other team: "
        f"{spread(list(run.team_latency.values()), len(run.load.team_sent))}"
    )
    print(f"    of which receipt -> decision: {spread(run.team_decided, len(run.load.team_sent))}")
    early = sum(delay < 0 for phase in run.phases for delay in phase.delays)
    early += sum(delay < 0 for delay in run.team_decided)
    if early:
        print(
            f"    ({early:,} signals have a processed_at before their received_at: the worker "
            "stamps a decision with the time its round began)"
        )
    if run.load.team_refused:
        print(f"    team alerts refused: {run.load.team_refused}")


def loss(run: WarroomRun) -> str:
    """Every alert answered 2xx stored and processed: "yes", or what was not."""
    if run.stored_total < run.accepted_total:
        return f"NO: {run.accepted_total - run.stored_total:,} answered 2xx but not stored"
    if run.pending:
        return f"stored, but {run.pending:,} not processed"
    return "yes"


def collapsed(run: WarroomRun, storm: Storm) -> bool:
    return (
        len(run.incidents) == 1
        and max(run.incidents.values()) == storm.alerts
        and run.page_emails == 1
        and run.page_deliveries == 1
    )


def label(run: WarroomRun) -> str:
    store = "SQLite" if run.backend == "sqlite" else "PostgreSQL"
    return f"{store}, {run.workers} worker{'s' if run.workers > 1 else ''}"


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def print_targets(run: WarroomRun, reference: Reference, storm: Storm) -> None:
    """Issue 12's targets. The decided rates count against Alertmanager's unpaced intake of
    the storm, its capacity (the issue's "about 10,000/s" and "about 2,000/s" are fractions
    of that); against its intake of the paced storm, which is only the storm's own rate, the
    ratio is printed too."""
    print(f"\ntargets of issue 12 ({label(run)}):")
    for (name, wave, target), phase in zip(
        (("joining signals", 1, JOINING_TARGET), ("new alerts", 0, NEW_TARGET)),
        (run.phases[1], run.phases[0]),
        strict=True,
    ):
        decided = phase.decided_rate or 0.0
        paced = reference.paced.waves[wave].rate
        unpaced = reference.unpaced[wave].rate
        print(
            f"  {name} decided at >= {target}x Alertmanager's intake ({rate(target * unpaced)}): "
            f"{rate(decided)} = {ratio(decided, unpaced)} its unpaced intake "
            f"({rate(unpaced)}) -> {verdict(decided >= target * unpaced)} "
            f"[{ratio(decided, paced)} its intake of the paced storm, {rate(paced)}]"
        )
    print(
        f"  the storm is one incident of {STORM_SERVICE} with all {storm.alerts:,} alerts "
        f"attached, paging once: {verdict(collapsed(run, storm))}"
    )
    print(f"  every alert answered 2xx stored and processed: {verdict(loss(run) == 'yes')}")
    pages = list(run.team_latency.values())
    complete = len(pages) == len(run.load.team_sent) > 0
    p99 = percentile(pages, 0.99) if pages else None
    print(
        f"  first page of each team within {PAGE_P99_TARGET:.0f} s p99: p99 {seconds(p99)}"
        f"{'' if complete else ' (some teams never paged)'} -> "
        f"{verdict(complete and p99 is not None and p99 <= PAGE_P99_TARGET)}"
    )
    if storm.seconds > 0:
        print(
            "  (a paced storm arrives at its own rate, and a wave is decided no faster than it "
            "arrives unless it queued behind the one before: a pipeline that keeps pace shows "
            "its capacity only with --seconds 0, the storm unpaced)"
        )


def table(
    runs: list[WarroomRun], reference: Reference, storm: Storm, command: str, date: str
) -> str:
    """The markdown table: Alertmanager's row, then one per warroom run with its ratios."""
    am = reference.paced
    capacity = reference.unpaced
    am_pages = list(am.team_latency.values())
    rows = [
        f"Storm of {storm.alerts:,} alerts ({storm.targets:,} targets x {storm.per_target}) of "
        f"`{STORM_SERVICE}` in two waves of {storm.seconds:g} s (Alertmanager v2 POSTs of 64, "
        f"{storm.connections} connections), {storm.teams} other teams paging meanwhile; "
        f"{date}, `{command}`. Ratios are warroom / Alertmanager 0.25: decided rates against "
        f"its capacity (the same waves unpaced) and, in brackets, its intake of the paced "
        f"storm; first page p99 against its first webhook notification.",
        "",
        "| system | intake, new / joining | decided, new-alert signals "
        "| decided, joining signals | backlog drained after the last POST "
        "| first alert → first page, p50 / p99 / max "
        f"| {STORM_SERVICE}: incidents / alerts attached / pages | every 2xx stored and "
        "processed |",
        "|---|---|---|---|---|---|---|---|",
        f"| Alertmanager 0.25 | {rate(am.waves[0].rate)} / {rate(am.waves[1].rate)} "
        f"| at intake (capacity {rate(capacity[0].rate)}) "
        f"| at intake (capacity {rate(capacity[1].rate)}) | 0 (decided at intake) "
        f"| {triple(am_pages)} | 1 group / {am.held:,} / {am.storm_notifications} webhook "
        "notifications (group_interval 1s) | — |",
    ]
    for run in runs:
        new, joining = (phase.decided_rate for phase in run.phases)
        drained = (
            f"not drained: {run.pending:,} pending at the timeout"
            if run.drain_timed_out
            else seconds(run.drained_after)
        )
        pages = list(run.team_latency.values())
        p99 = percentile(pages, 0.99) if pages else None
        am_p99 = percentile(am_pages, 0.99) if am_pages else None
        rows.append(
            f"| warroom, {label(run)} "
            f"| {rate(run.load.waves[0].rate)} / {rate(run.load.waves[1].rate)} "
            f"({ratio(run.load.waves[0].rate, am.waves[0].rate)} / "
            f"{ratio(run.load.waves[1].rate, am.waves[1].rate)}) "
            f"| {rate(new)}: {ratio(new, capacity[0].rate)} ({ratio(new, am.waves[0].rate)}) "
            f"| {rate(joining)}: {ratio(joining, capacity[1].rate)} "
            f"({ratio(joining, am.waves[1].rate)}) "
            f"| {drained} | {triple(pages)} ({ratio(p99, am_p99)}) "
            f"| {len(run.incidents)} / {max(run.incidents.values(), default=0):,} / "
            f"{run.page_emails} | {loss(run)} |"
        )
    return "\n".join(rows)


def triple(values: list[float]) -> str:
    if not values:
        return "—"
    return " / ".join(
        seconds(v) for v in (percentile(values, 0.5), percentile(values, 0.99), max(values))
    )


def scaling(runs: list[WarroomRun]) -> list[str]:
    """Decided rates of N workers over one, per backend that ran with one."""
    lines = []
    for run in runs:
        base = next((r for r in runs if r.backend == run.backend and r.workers == 1), None)
        if base is None or run.workers == 1:
            continue
        parts = [
            f"{name.split(' (')[0]} {ratio(mine.decided_rate, theirs.decided_rate)}"
            for name, mine, theirs in zip(WAVES, run.phases, base.phases, strict=True)
        ]
        lines.append(f"scaling, {label(run)} over 1 worker: {', '.join(parts)}")
    return lines
