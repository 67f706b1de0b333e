"""The spec's scenario over real HTTP, on SQLite and PostgreSQL: declare → … → timeline."""

from __future__ import annotations

from tests.cli.harness import LiveServer, cli_for, lines_with


def test_checkout_outage_from_declaration_to_timeline(server: LiveServer) -> None:
    cli = cli_for(server)

    declared = cli.json(
        "declare", "Checkout returns 503", "--severity", "SEV1", "--team", "payments"
    )
    assert declared["ref"] == "INC-1"
    assert declared["severity"] == "SEV1"
    assert declared["status"] == "triggered"
    assert declared["team"] == "payments"

    server.clock.advance(minutes=3)
    assert cli.ok("ack", "INC-1").strip() == "INC-1 acknowledged (status: acknowledged)"
    server.clock.advance(minutes=1)
    assert cli.ok("assign", "INC-1", "--role", "lead").strip() == "admin is now the lead of INC-1"
    server.clock.advance(minutes=4)
    assert cli.ok("update", "INC-1", "Rolled back release 412").strip() == (
        "INC-1: internal update 1 posted (status: acknowledged)"
    )
    server.clock.advance(minutes=2)
    assert cli.ok("mitigate", "1").strip() == "INC-1 mitigated (status: mitigated)"
    server.clock.advance(minutes=15)
    assert cli.ok("resolve", "inc-1").strip() == "INC-1 resolved (status: resolved)"

    out = cli.ok("timeline", "INC-1")
    steps = [
        ("2026-03-02 09:00:00", "declared", "admin declared INC-1 at SEV1: Checkout returns 503"),
        ("2026-03-02 09:03:00", "status changed", "admin acknowledged INC-1"),
        ("2026-03-02 09:04:00", "role assigned", "admin is now the incident lead"),
        ("2026-03-02 09:08:00", "status update", "Rolled back release 412"),
        ("2026-03-02 09:10:00", "status changed", "admin mitigated INC-1"),
        ("2026-03-02 09:25:00", "status changed", "admin resolved INC-1"),
    ]
    lines = out.splitlines()
    positions = []
    for at, kind, text in steps:
        found = [i for i, line in enumerate(lines) if at in line and kind in line and text in line]
        assert len(found) == 1, (at, kind, text, out)
        positions.append(found[0])
    assert positions == sorted(positions), out
    assert all("admin" in lines[i] for i in positions)
    durations = {
        "time to detect": "0s",
        "time to acknowledge": "3m",
        "time to mitigate": "10m",
        "time to resolve": "25m",
    }
    for label, value in durations.items():
        [line] = lines_with(out, label)
        assert line.split() == [*label.split(), value]
        assert lines.index(line) > positions[-1]

    timeline = cli.json("timeline", "INC-1")
    assert timeline["incident"] == "INC-1"
    assert [e["kind"] for e in timeline["entries"]] == [
        "declared",
        "status_changed",
        "role_assigned",
        "status_update",
        "status_changed",
        "status_changed",
    ]
    assert timeline["entries"][3]["text"] == "internal update by admin: Rolled back release 412"
    assert timeline["durations"] == {
        "time_to_detect": 0.0,
        "time_to_acknowledge": 180.0,
        "time_to_mitigate": 600.0,
        "time_to_resolve": 1500.0,
    }

    shown = cli.ok("show", "INC-1")
    assert "INC-1 · Checkout returns 503" in shown
    assert lines_with(shown, "status", "resolved")
    assert lines_with(shown, "lead", "admin")
    assert lines_with(shown, "time to resolve", "25m")
    assert lines_with(shown, "resolved", "2026-03-02 09:25:00")
    assert lines_with(shown, "next update due", "—")
