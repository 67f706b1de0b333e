"""Every ``warroom incident`` command over real HTTP: --json and the rich output."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.cli.harness import Cli, LiveServer, cli_for, error_line, lines_with


@pytest.fixture
def cli(shared_server: LiveServer) -> Cli:
    return cli_for(shared_server)


def declare(cli: Cli, title: str, *extra: str) -> str:
    """Declare an incident (SEV2 for payments unless *extra* says otherwise); its ref."""
    options = list(extra)
    if "--severity" not in options:
        options += ["--severity", "SEV2"]
    if "--team" not in options:
        options += ["--team", "payments"]
    ref: str = cli.json("declare", title, *options)["ref"]
    return ref


def test_declare_with_every_option(cli: Cli, shared_server: LiveServer) -> None:
    start = (shared_server.clock() - timedelta(minutes=7)).isoformat()
    data = cli.json(
        "declare",
        "Payments API slow",
        "--severity",
        "SEV3",
        "--team",
        "payments",
        "--service",
        "payments-api",
        "--service",
        "checkout-api",
        "--summary",
        "p99 over 4s",
        "--impact-start",
        start,
    )
    assert data["title"] == "Payments API slow"
    assert data["severity"] == "SEV3"
    assert data["services"] == ["checkout-api", "payments-api"]
    assert data["summary"] == "p99 over 4s"
    assert data["durations"]["time_to_detect"] == 420.0
    assert data["declared_by"] == "admin"

    out = cli.ok("declare", "Search is down", "--severity", "SEV2", "--team", "checkout")
    ref = out.split()[0]
    assert out.strip() == f"{ref} declared: Search is down (SEV2, team checkout, status: triggered)"


def test_json_of_read_and_write_commands_parses(cli: Cli) -> None:
    ref = declare(cli, "Refunds fail", "--severity", "SEV3")  # closes without a postmortem
    number = ref.removeprefix("INC-")
    assert cli.json("show", number)["ref"] == ref
    assert ref in [i["ref"] for i in cli.json("list", "--limit", "200")["items"]]
    assert cli.json("ack", ref)["status"] == "acknowledged"
    assert cli.json("sev", ref, "SEV4", "--reason", "minor")["severity"] == "SEV4"
    assert cli.json("assign", ref, "--role", "comms")["roles"]["comms"]["username"] == "admin"
    assert cli.json("release", ref, "--role", "comms")["roles"]["comms"] is None
    assert cli.json("edit", ref, "--affected-users", "12")["affected_users"] == 12
    note = cli.json("note", ref, "card processor says 5xx")
    assert note["kind"] == "note"
    assert note["pinned"] is False
    assert cli.json("pin", ref, str(note["id"]))["pinned"] is True
    update = cli.json("update", ref, "Processor contacted", "--public")
    assert update["audience"] == "public"
    assert [u["id"] for u in cli.json("updates", ref)] == [update["id"]]
    assert cli.json("mitigate", ref)["status"] == "mitigated"
    assert cli.json("resolve", ref, "--reason", "processor fixed")["status"] == "resolved"
    assert cli.json("reopen", ref, "--reason", "failing again")["status"] == "acknowledged"
    assert cli.json("resolve", ref)["status"] == "resolved"
    assert cli.json("close", ref)["status"] == "closed"
    entries = cli.json("timeline", ref)["entries"]
    assert entries[-1]["text"] == f"admin closed {ref}"
    assert any(e["text"] == f"admin reopened {ref}: failing again" for e in entries)
    assert cli.json("timeline", ref, "--pinned")["entries"] == [{**note, "pinned": True}]


def test_lifecycle_commands_print_one_confirming_line(cli: Cli) -> None:
    ref = declare(cli, "Webhooks delayed", "--severity", "SEV3")  # no postmortem required
    for command, past, status in (
        ("ack", "acknowledged", "acknowledged"),
        ("mitigate", "mitigated", "mitigated"),
        ("resolve", "resolved", "resolved"),
        ("reopen", "reopened", "acknowledged"),
        ("resolve", "resolved", "resolved"),
        ("close", "closed", "closed"),
    ):
        assert cli.ok(command, ref, "--reason", "because").splitlines() == [
            f"{ref} {past} (status: {status})"
        ]
    assert (
        cli.ok("sev", declare(cli, "Other"), "SEV4")
        .strip()
        .endswith("severity is now SEV4 (status: triggered)")
    )


def test_list_shows_a_table_and_filters(cli: Cli) -> None:
    payments = declare(cli, "Payouts stuck")
    platform = declare(cli, "Replica lag", "--team", "platform", "--service", "postgres-primary")
    cli.ok("ack", platform)

    out = cli.ok("list", "--team", "platform", "--status", "acknowledged")
    [row] = lines_with(out, platform)
    for cell in (platform, "SEV2", "acknowledged", "Replica lag", "platform", "postgres-primary"):
        assert cell in row
    assert payments not in out
    assert lines_with(out, "ref", "sev", "status", "title", "team", "services", "update due")
    assert out.endswith("\n1 incident\n")

    page = cli.json("list", "--team", "platform", "--status", "acknowledged")
    assert [i["ref"] for i in page["items"]] == [platform]
    assert cli.json("list", "--team", "payments", "--severity", "SEV1")["items"] == [
        i
        for i in cli.json("list", "--limit", "200")["items"]
        if i["team"] == "payments" and i["severity"] == "SEV1"
    ]
    first = cli.json("list", "--limit", "1", "--offset", "0")
    assert len(first["items"]) == 1
    assert first["next_offset"] == 1
    assert "more with --offset 1" in cli.ok("list", "--limit", "1")
    assert cli.ok("list", "--team", "checkout", "--status", "closed", "--severity", "SEV4") == (
        "no incidents match\n"
    )


def test_show_prints_status_roles_timestamps_durations_and_update_due(
    cli: Cli, shared_server: LiveServer
) -> None:
    ref = declare(cli, "Checkout 500s", "--service", "checkout-api", "--summary", "[bold]x[/]")
    shared_server.clock.advance(minutes=2)
    cli.ok("ack", ref)
    cli.ok("assign", ref, "--role", "lead")
    shared_server.clock.advance(minutes=30)  # SEV2's first update was due 10 minutes in

    out = cli.ok("show", ref)
    assert f"{ref} · Checkout 500s" in out
    expected = [
        ("status", "acknowledged"),
        ("severity", "SEV2"),
        ("team", "payments"),
        ("services", "checkout-api"),
        ("summary", "[bold]x[/]"),
        ("lead", "admin"),
        ("fixer", "—"),
        ("participants", "admin"),
        ("acknowledged", "UTC"),
        ("mitigated", "—"),
        ("time to detect", "0s"),
        ("time to acknowledge", "2m"),
        ("time to resolve", "—"),
        ("next update due", "(overdue)"),
        ("revenue impact", "no"),
    ]
    for label, value in expected:
        assert lines_with(out, label, value), (label, value, out)
    assert f"{ref}: a status update is overdue" in out

    cli.ok("update", ref, "Investigating")
    assert "overdue" not in cli.ok("show", ref)


def test_people_roles_and_participants(cli: Cli, shared_server: LiveServer) -> None:
    shared_server.user("bob")
    shared_server.user("carol")
    ref = declare(cli, "Login loops")
    assert cli.ok("assign", ref, "--role", "fixer", "--user", "bob").strip() == (
        f"bob is now the fixer of {ref}"
    )
    assert cli.ok("assign", ref, "--role", "fixer", "--user", "carol").strip() == (
        f"carol is now the fixer of {ref}"
    )
    assert cli.ok("release", ref, "--role", "fixer").strip() == f"{ref}: fixer released"
    line = error_line(cli("release", ref, "--role", "fixer"))
    assert line == f"error: {ref} has no fixer to release"

    dave = shared_server.user("dave")
    assert cli.as_user(dave).ok("join", ref).strip() == f"dave joined {ref} (4 participants)"
    shared_server.user("erin")
    assert cli.ok("join", ref, "--user", "erin").strip() == f"erin joined {ref} (5 participants)"
    assert error_line(cli("join", ref)) == f"error: admin already participates in {ref}"
    texts = [e["text"] for e in cli.json("timeline", ref)["entries"]]
    assert "bob handed the fixer role over to carol" in " ".join(texts)
    assert f"dave joined {ref}" in texts


def test_notes_pins_and_updates(cli: Cli) -> None:
    ref = declare(cli, "Emails bounce")
    out = cli.ok("note", ref, "SPF record [/] changed yesterday", "--pin")
    entry_id = int(out.split()[2])
    assert out.strip() == f"{ref}: note {entry_id} added and pinned"
    pinned = cli.ok("timeline", ref, "--pinned")
    assert lines_with(pinned, str(entry_id), "note", "admin", "SPF record [/] changed", "yes")
    assert "declared" not in pinned
    assert cli.ok("pin", ref, str(entry_id), "--unpin").strip() == (
        f"{ref}: entry {entry_id} unpinned"
    )
    assert cli.json("timeline", ref, "--pinned")["entries"] == []

    assert cli.ok("updates", ref).strip() == f"{ref}: no status updates yet"
    posted = cli.ok("update", ref, "Rolled back DNS").strip()
    assert re.fullmatch(rf"{ref}: internal update \d+ posted \(status: triggered\)", posted)
    cli.ok("update", ref, "Mail flowing again", "--public")
    table = cli.ok("updates", ref)
    assert lines_with(table, "internal", "triggered", "admin", "Rolled back DNS")
    assert lines_with(table, "public", "triggered", "admin", "Mail flowing again")


def test_edit_and_timestamp_correction(cli: Cli, shared_server: LiveServer) -> None:
    ref = declare(cli, "Typo title")
    out = cli.ok(
        "edit",
        ref,
        "--title",
        "Card payments declined",
        "--affected-users",
        "1200",
        "--feature",
        "cards",
        "--region",
        "eu",
        "--revenue-impact",
        "--service",
        "payments-api",
    )
    assert out.strip() == (
        f"{ref} saved (title, services, affected_users, affected_features, affected_regions, "
        "revenue_impact)"
    )
    data = cli.json("show", ref)
    assert data["title"] == "Card payments declined"
    assert data["affected_users"] == 1200
    assert data["affected_features"] == ["cards"]
    assert data["affected_regions"] == ["eu"]
    assert data["revenue_impact"] is True
    assert data["services"] == ["payments-api"]
    assert cli.json("edit", ref, "--no-revenue-impact")["revenue_impact"] is False

    result = cli("edit", ref)
    assert result.exit_code == 2
    assert error_line(result).startswith("error: nothing to change")

    earlier = shared_server.clock() - timedelta(minutes=5)
    out = cli.ok(
        "correct", ref, "impact-started", earlier.isoformat(), "--reason", "errors began earlier"
    )
    assert out.strip() == (
        f"{ref} impact_started_at corrected to {earlier.strftime('%Y-%m-%d %H:%M:%S')} UTC"
    )
    assert cli.json("show", ref)["durations"]["time_to_detect"] == 300.0
    [entry] = [
        e for e in cli.json("timeline", ref)["entries"] if e["kind"] == "timestamp_corrected"
    ]
    assert entry["text"].endswith(": errors began earlier")

    later = (shared_server.clock() + timedelta(hours=1)).isoformat()
    line = error_line(cli("correct", ref, "detected_at", later, "--reason", "x"))
    assert line == "error: detected_at must not be in the future (field: value)"
    result = cli("correct", ref, "landed", later, "--reason", "x")
    assert result.exit_code == 2
    assert "unknown timestamp 'landed'" in error_line(result)
