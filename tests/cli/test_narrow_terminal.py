"""Every table the CLI prints, in an 80-column terminal, with long real-world data.

At 80 columns no line is longer than 80, every row is one line (no cell wraps), ids and keys
appear whole, exactly the expected columns show (the less important ones are hidden, and a
footnote names them) and the cuttable ones end in an ellipsis. At 200 columns every column
shows; with ``--wide`` every column shows whole whatever the width.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.cli.harness import live_server
from tests.cli.narrow_setup import (
    ALERT_TITLE,
    CONFIG,
    INTEGRATION,
    LABELS,
    NOTE,
    OVERRIDE_REASON,
    PAGER_URL,
    PROJECT,
    RELEASE,
    SCHEDULE,
    SERVICE,
    SILENCE_COMMENT,
    SUMMARY,
    TEAM,
    TOKEN_NAME,
    UPDATE,
    NarrowCli,
    seed,
)
from tests.support.clock import FakeClock
from warroom.db.engine import make_engine

NARROW = 80
ISSUE_1 = "PAYMENTS-RECONCILIATION-BACKEND-1"
ISSUE_2 = "PAYMENTS-RECONCILIATION-BACKEND-2"
NOON = "2026-03-02 09:00:00 UTC"
GAP = re.compile(r"\s{2,}")


@pytest.fixture(scope="module")
def narrow(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[NarrowCli]:
    folder = tmp_path_factory.mktemp("cli-narrow")
    path = folder / "warroom.db"
    shutil.copyfile(sqlite_template, path)
    config = folder / "warroom.yaml"
    config.write_text(CONFIG)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    try:
        with live_server(engine, FakeClock(), config_path=config) as running:
            cli = NarrowCli(running, url)
            seed(cli)
            yield cli
    finally:
        engine.dispose()


@dataclass(frozen=True)
class Shape:
    """One table a command prints."""

    title: str
    headers: tuple[str, ...]
    """Every column, in order: what 200 columns and --wide show."""
    at_80: tuple[str, ...]
    """The columns that show at 80."""
    cut: tuple[str, ...]
    """Of those, the ones cut with an ellipsis at 80."""
    first: tuple[str, ...] | None
    """The first cell of each row, in order (``None``: the ids of the items of ``--json``)."""

    def footnote(self) -> str:
        hidden = ", ".join(h for h in self.headers if h not in self.at_80)
        cut = ", ".join(self.cut)
        if hidden and cut:
            gave_way = f"hidden to fit {NARROW} columns: {hidden}; cut: {cut}"
        else:
            gave_way = f"{'hidden' if hidden else 'cut'} to fit {NARROW} columns: {hidden or cut}"
        return f"{gave_way}. --wide shows every column whole."


@dataclass(frozen=True)
class Case:
    args: tuple[str, ...]
    tables: tuple[Shape, ...]
    whole: tuple[str, ...] = ()
    """Ids, keys and slugs that must appear whole, on one line, at 80."""
    long: tuple[str, ...] = ()
    """Text cut or hidden at 80 that --wide shows whole, on one line."""
    exit_code: int = 0

    @property
    def id(self) -> str:
        return " ".join(self.args[:2])


CASES = (
    Case(
        ("alerts", "list"),
        (
            Shape(
                "Alerts",
                (
                    "id",
                    "status",
                    "title",
                    "team",
                    "service",
                    "decision",
                    "incident",
                    "occurrences",
                    "last seen",
                ),
                ("id", "status", "title", "team", "incident"),
                ("title",),
                ("1",),
            ),
        ),
        whole=(TEAM, "INC-1"),
        long=(f"{ALERT_TITLE}: {SUMMARY}", SERVICE),
    ),
    Case(
        ("alerts", "show", "1"),
        (
            Shape(
                "History",
                ("time", "event", "what happened"),
                ("time", "event", "what happened"),
                ("what happened",),
                (NOON, NOON, NOON),
            ),
        ),
        whole=(NOON, "INC-1"),
        long=(f"opened: {ALERT_TITLE}: {SUMMARY}",),
    ),
    Case(
        ("silence", "list"),
        (
            Shape(
                "Silences",
                ("id", "state", "matchers", "starts", "ends", "by", "comment"),
                ("id", "state", "matchers", "ends", "by", "comment"),
                ("matchers", "comment"),
                ("1",),
            ),
        ),
        whole=("2026-03-02 11:00:00 UTC",),
        long=(SILENCE_COMMENT, 'cluster=~"prod-eu-west-1-payments-.*"'),
    ),
    Case(
        ("maintenance", "list"),
        (
            Shape(
                "Maintenance windows",
                ("id", "state", "service", "matchers", "starts", "ends", "by", "comment"),
                ("id", "state", "service", "matchers", "by", "comment"),
                ("comment",),
                ("2",),
            ),
        ),
        whole=(SERVICE,),
        long=(SILENCE_COMMENT,),
    ),
    Case(
        ("integrations", "list"),
        (
            Shape(
                "Integrations",
                (
                    "slug",
                    "kind",
                    "team",
                    "service",
                    "accepted",
                    "refused",
                    "stored signals",
                    "last signal",
                ),
                ("slug", "kind", "accepted", "refused"),
                (),
                (INTEGRATION,),
            ),
        ),
        whole=(INTEGRATION, "alertmanager"),
        long=(SERVICE, NOON),
    ),
    Case(
        ("deliveries", "list"),
        (
            Shape(
                "Deliveries (4; outbox: pending 4)",
                (
                    "id",
                    "status",
                    "channel",
                    "target",
                    "incident",
                    "purpose",
                    "tries",
                    "when",
                    "last error",
                ),
                ("id", "status", "channel", "target", "incident", "tries", "when"),
                ("target",),
                ("4", "3", "2", "1"),
            ),
        ),
        whole=("INC-1", "INC-2", "webhook", "1/12"),
        long=(PAGER_URL, "alexandra.konstantinopoulou@payments.example.com"),
    ),
    Case(
        ("errors", "list"),
        (
            Shape(
                "2 issues",
                ("issue", "status", "title", "events", "users", "last seen", "team", "incident"),
                ("issue", "status", "title"),
                ("title",),
                (ISSUE_2, ISSUE_1),
            ),
        ),
        whole=(ISSUE_1, ISSUE_2, "unresolved"),
        long=(TEAM, NOON),
    ),
    Case(
        ("projects", "list"),
        (
            Shape(
                "1 project",
                ("project", "id", "team", "platform", "unresolved", "keys"),
                ("project", "id", "team", "unresolved", "keys"),
                (),
                (PROJECT,),
            ),
        ),
        whole=(PROJECT, "4711", TEAM),
        long=("python",),
    ),
    Case(
        ("incident", "list"),
        (
            Shape(
                "Incidents",
                (
                    "ref",
                    "sev",
                    "status",
                    "team",
                    "title",
                    "services",
                    "lead",
                    "detected",
                    "update due",
                ),
                ("ref", "sev", "status", "team", "title"),
                ("title",),
                ("INC-2", "INC-1"),
            ),
        ),
        whole=("INC-1", "INC-2", "SEV1", "triggered", TEAM),
        long=("Settlement reports for EU merchants are delayed by more than two hours",),
    ),
    Case(
        ("incident", "timeline", "INC-1"),
        (
            Shape(
                "INC-1 timeline",
                ("id", "time", "kind", "actor", "text", "pinned"),
                ("id", "time", "kind", "text"),
                ("text",),
                ("1", "2", "3", "4", "5"),
            ),
        ),
        whole=(NOON, "alert attached", "status update"),
        long=(NOTE,),
    ),
    Case(
        ("incident", "updates", "INC-1"),
        (
            Shape(
                "INC-1 status updates",
                ("id", "time", "audience", "status", "author", "text"),
                ("id", "time", "audience", "status", "text"),
                ("text",),
                ("1",),
            ),
        ),
        whole=(NOON, "internal"),
        long=(UPDATE,),
    ),
    Case(
        ("incident", "escalation", "INC-1"),
        (
            Shape(
                "INC-1 escalation runs",
                ("id", "policy", "state", "step", "round", "next step at", "reason"),
                ("id", "policy", "state", "step", "round", "reason"),
                (),
                ("1",),
            ),
            Shape(
                "pages",
                (
                    "id",
                    "run",
                    "who",
                    "paged at",
                    "step",
                    "round",
                    "why",
                    "status",
                    "deliveries",
                ),
                ("id", "run", "who", "paged at", "step", "status"),
                (),
                ("1",),
            ),
        ),
        whole=(f"{TEAM}-default", "alexandra.konstantinopoulou", "paging"),
        long=(f"on call in {SCHEDULE}", "2026-03-02 09:10:00 UTC"),
    ),
    Case(
        ("tokens", "list"),
        (
            Shape(
                "API tokens",
                ("id", "user", "name", "prefix", "created", "last used", "revoked"),
                ("id", "user", "name", "prefix", "revoked"),
                ("name",),
                ("1", "2", "3"),
            ),
        ),
        whole=("release-automation-service-account",),
        long=(TOKEN_NAME,),
    ),
    Case(
        ("oncall", "now"),
        (
            Shape(
                "On call at Mon 2026-03-02 09:00 UTC",
                ("Schedule", "Team", "On call", "Until", "Zone"),
                ("Schedule", "On call", "Until"),
                ("On call",),
                (SCHEDULE,),
            ),
        ),
        whole=(SCHEDULE, "Tue 2026-03-03 10:00"),
        long=("Alexandra Konstantinopoulou-Vanderberg (alexandra.konstantinopoulou)",),
    ),
    Case(
        ("oncall", "show", SCHEDULE, "--from", "2026-03-02T00:00:00Z"),
        (
            Shape(
                f"{SCHEDULE}: Mon 2026-03-02 01:00 - Mon 2026-03-09 01:00 (Europe/Prague)",
                ("Start", "End", "On call", "From"),
                ("Start", "End", "On call", "From"),
                ("On call", "From"),
                ("Mon 2026-03-02 09:00", "Tue 2026-03-03 10:00"),
            ),
        ),
        whole=("Mon 2026-03-09 01:00", "override #1"),
        long=("weekly-follow-the-sun-rotation",),
    ),
    Case(
        ("oncall", "override", "list", SCHEDULE),
        (
            Shape(
                f"Overrides of {SCHEDULE}",
                ("ID", "User", "Replaces", "Start (UTC)", "End (UTC)", "State", "Reason"),
                ("ID", "User", "Start (UTC)", "End (UTC)", "State"),
                (),
                ("1",),
            ),
        ),
        whole=("bartholomew.vanderberg", "Tue 2026-03-10 09:00"),
        long=(OVERRIDE_REASON, "alexandra.konstantinopoulou"),
    ),
    Case(
        ("release", "list"),
        (
            Shape(
                "Releases",
                ("version", "projects", "created", "finalized", "commits", "last deploy"),
                ("version", "projects", "commits"),
                ("projects",),
                (RELEASE,),
            ),
        ),
        whole=(RELEASE,),
        long=(PROJECT, "production-eu-west-1-canary"),
    ),
    Case(
        ("release", "check", "-p", PROJECT, "-r", RELEASE, "-e", "production"),
        (
            Shape(
                "Issues",
                ("issue", "reason", "events", "first seen", "title"),
                ("issue", "reason", "title"),
                ("title",),
                (ISSUE_1, ISSUE_2),
            ),
        ),
        whole=(ISSUE_1, ISSUE_2, RELEASE),
        long=(NOON,),
        exit_code=1,
    ),
    Case(
        ("audit", "list", "--type", "silence"),
        (
            Shape(
                "Audit log",
                ("id", "when (UTC)", "who", "via", "from", "what"),
                ("id", "when (UTC)", "who", "what"),
                ("what",),
                None,
            ),
        ),
        whole=("2026-03-02 09:00", "admin"),
        long=(f"created silence 2 (maintenance {SERVICE})", "token:wr_", "127.0.0.1"),
    ),
)


def tables(lines: Sequence[str]) -> list[tuple[list[str], list[str]]]:
    """(headers, lines below the rule) of each table: the headers are the line above a
    rule; what follows is its rows, then whatever the command prints after it."""
    found = []
    for index, line in enumerate(lines):
        if line.strip() and set(line.strip()) == {"─"}:
            rows = []
            for row in lines[index + 1 :]:
                if not row.strip() or set(row.strip()) == {"─"}:
                    break
                rows.append(row)
            found.append((GAP.split(lines[index - 1].strip()), rows))
    return found


def check_rows(narrow: NarrowCli, case: Case, shape: Shape, rows: list[str]) -> None:
    """Exactly one line per row, each starting with its first cell: a cell that wrapped
    would leave a line starting with blanks."""
    first = shape.first
    if first is None:
        first = tuple(str(item["id"]) for item in narrow.json(*case.args)["items"])
    assert first
    assert [GAP.split(row)[0] for row in rows[: len(first)]] == list(first), rows
    after = rows[len(first) :]
    assert not after or not after[0].startswith(" "), rows


def one_line(text: str) -> str:
    return " ".join(text.split())


def cut_cells(narrow: NarrowCli, rows: list[str]) -> list[str]:
    """Cells ending in an ellipsis that is not part of the data (a token's prefix is shown
    as ``wr_AbC123…``: the rest of the secret is never shown)."""
    prefixes = {f"{token['prefix']}…" for token in narrow.json("tokens", "list")}
    cells = (cell for row in rows for cell in GAP.split(row))
    return [cell for cell in cells if cell.endswith("…") and cell not in prefixes]


def run(narrow: NarrowCli, case: Case, width: int, *extra: str) -> list[str]:
    result = narrow.run(width, *case.args, *extra)
    assert result.exit_code == case.exit_code, (result.exit_code, result.output)
    assert result.stderr == ""
    return [line.rstrip() for line in result.stdout.splitlines()]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_at_80_columns_the_less_important_columns_give_way(narrow: NarrowCli, case: Case) -> None:
    raw = narrow.run(NARROW, *case.args).stdout.splitlines()
    if case.args[:2] == ("alerts", "show"):  # its details: see test_alert_details_…
        raw = raw[raw.index("History") :]
    assert [line for line in raw if len(line) > NARROW] == []
    lines = run(narrow, case, NARROW)
    text = "\n".join(lines)
    for shape, (headers, rows) in zip(case.tables, tables(lines), strict=True):
        assert shape.title in one_line(text)
        assert headers == list(shape.at_80)
        check_rows(narrow, case, shape, rows)
        assert bool(cut_cells(narrow, rows)) == bool(shape.cut), rows
        if shape.cut or shape.at_80 != shape.headers:
            assert shape.footnote() in one_line(text)
        else:
            assert "to fit" not in text
    for value in case.whole:
        assert any(value in line for line in lines), (value, text)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_at_200_columns_every_column_shows(narrow: NarrowCli, case: Case) -> None:
    lines = run(narrow, case, 200)
    assert [line for line in lines if len(line) > 200] == []
    for shape, (headers, rows) in zip(case.tables, tables(lines), strict=True):
        assert headers == list(shape.headers)
        check_rows(narrow, case, shape, rows)
    assert "hidden to fit" not in "\n".join(lines)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_wide_shows_every_column_whole(narrow: NarrowCli, case: Case) -> None:
    lines = run(narrow, case, NARROW, "--wide")
    for shape, (headers, rows) in zip(case.tables, tables(lines), strict=True):
        assert headers == list(shape.headers)
        check_rows(narrow, case, shape, rows)
        assert cut_cells(narrow, rows) == []
    for value in (*case.whole, *case.long):
        assert any(value in line for line in lines), value
    assert "to fit" not in "\n".join(lines)


def test_alert_details_wrap_between_words_and_keep_labels_and_urls_whole(
    narrow: NarrowCli,
) -> None:
    lines = [line.rstrip() for line in narrow.ok(NARROW, "alerts", "show", "1").splitlines()]
    details = lines[: lines.index("History")]
    for line in details:
        if len(line) > NARROW:  # only to keep one word whole: a label, a URL
            assert len(line.split()) <= 2 and len(line.split()[-1]) > NARROW - 14, line
    runbook = (
        "runbook_url=https://runbooks.internal.example.com/payments/reconciliation/"
        "ledger-writer/replication-lag-high#failover"
    )
    labels = [f"{key}={value}" for key, value in LABELS.items()]
    generator = "http://prometheus-eu-west-1.monitoring.svc.cluster.local:9090/graph?"
    for value in (runbook, generator, *labels, f"group key     {{}}:{{alertname={ALERT_TITLE}}}"):
        assert any(value in line for line in details), value
    assert one_line(" ".join(details)).startswith(
        f"alert 1 · {ALERT_TITLE}: {SUMMARY} status firing severity critical"
    )
    assert "…" not in "\n".join(details)


def test_the_real_command_honours_the_columns_variable(narrow: NarrowCli) -> None:
    """A new process (not the test's console): rich takes the width from COLUMNS."""
    env = {
        **os.environ,
        "WARROOM_URL": narrow.live.url,
        "WARROOM_TOKEN": narrow.live.admin_token,
        "PYTHONPATH": os.pathsep.join(sys.path),
    }
    for width, headers in (
        ("80", ["slug", "kind", "accepted", "refused"]),
        ("200", list(CASES[4].tables[0].headers)),
    ):
        done = subprocess.run(
            [sys.executable, "-m", "warroom.cli", "integrations", "list"],
            env={**env, "COLUMNS": width},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        lines = done.stdout.splitlines()
        assert max(len(line) for line in lines) <= int(width)
        [(shown, rows)] = tables(lines)
        assert shown == headers
        assert rows[0].startswith(f"{INTEGRATION}  alertmanager  ")


def test_token_prefixes_stay_whole_at_80_columns(narrow: NarrowCli) -> None:
    out = narrow.ok(NARROW, "tokens", "list")
    rows = tables(out.splitlines())[0][1]
    prefixes = [f"{token['prefix']}…" for token in narrow.json("tokens", "list")]
    assert [GAP.split(row)[3] for row in rows[: len(prefixes)]] == prefixes
