"""``warroom postmortems``, ``warroom actions`` and ``incident close --override-postmortem``
over real HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
from click.testing import Result
from typer.testing import CliRunner

from tests.cli.harness import LiveServer, error_line, plain, wide_console
from warroom.auth.models import UserRole
from warroom.cli.main import app as cli_app


@dataclass
class Warroom:
    """Runs any ``warroom`` group in-process against one server, as one token's owner."""

    server: LiveServer
    token: str

    def __call__(self, *args: str) -> Result:
        env: dict[str, str | None] = {
            "WARROOM_URL": self.server.url,
            "WARROOM_TOKEN": self.token,
            "WARROOM_TIMEOUT": None,
        }
        with wide_console():
            return CliRunner().invoke(cli_app, list(args), env=env)

    def ok(self, *args: str) -> str:
        result = self(*args)
        assert result.exit_code == 0, (args, result.output, result.exception)
        return plain(result.stdout)

    def json(self, *args: str) -> Any:
        return orjson.loads(self.ok(*args, "--json"))


def resolved(cli: Warroom, title: str, severity: str = "SEV1") -> str:
    """A resolved incident of team payments; the worker has drafted its postmortem."""
    ref: str = cli.json("incident", "declare", title, "--severity", severity, "--team", "payments")[
        "ref"
    ]
    cli.ok("incident", "resolve", ref)
    cli.server.app.state.worker.drain()
    return ref


def test_close_is_gated_until_an_admin_overrides_with_a_reason(server: LiveServer) -> None:
    admin = Warroom(server, server.admin_token)
    bob = Warroom(server, server.user("bob", UserRole.RESPONDER))
    ref = resolved(admin, "Card payments time out")

    gated = admin("incident", "close", ref)
    assert gated.exit_code == 1
    assert "postmortem" in error_line(gated)
    refused = bob("incident", "close", ref, "--override-postmortem", "trust me")
    assert refused.exit_code == 1
    assert error_line(refused) == "error: bob is a responder; this needs an admin"
    assert admin.json("incident", "show", ref)["status"] == "resolved"

    out = admin.ok("incident", "close", ref, "--override-postmortem", "duplicate of INC-7")
    assert out.strip() == f"{ref} closed (status: closed)"
    shown = admin.json("postmortems", "show", ref)
    assert shown["waived_reason"] == "duplicate of INC-7"
    assert shown["status"] == "draft"


def test_list_show_publish_export_then_close(server: LiveServer, tmp_path: Path) -> None:
    cli = Warroom(server, server.admin_token)
    ref = resolved(cli, "Checkout fails for EU cards")

    [summary] = [p for p in cli.json("postmortems", "list") if p["incident"] == ref]
    assert summary["status"] == "draft"
    assert [p["incident"] for p in cli.json("postmortems", "list", "--status", "published")] == []
    listed = cli.ok("postmortems", "list", "--team", "payments")
    assert ref in listed and "draft" in listed
    shown = cli.ok("postmortems", "show", ref.removeprefix("INC-"))
    assert shown.splitlines()[1].startswith("status draft, revision ")
    assert "required" in shown.splitlines()[1]

    assert cli.ok("postmortems", "publish", ref).strip() == f"{ref} postmortem published"
    assert cli.json("postmortems", "show", ref)["status"] == "published"
    assert [p["incident"] for p in cli.json("postmortems", "list", "--status", "published")] == [
        ref
    ]

    markdown = cli.ok("postmortems", "export", ref, "--format", "md")
    assert markdown.startswith("# ")
    assert "Checkout fails for EU cards" in markdown
    pdf = tmp_path / "pm.pdf"
    out = cli.ok("postmortems", "export", ref, "--format", "pdf", "--output", str(pdf))
    assert out.strip() == f"wrote {pdf} ({pdf.stat().st_size} bytes)"
    assert pdf.read_bytes().startswith(b"%PDF-")
    bad = cli("postmortems", "export", ref, "--format", "docx")
    assert bad.exit_code == 2

    assert cli.json("incident", "close", ref)["status"] == "closed"


def test_actions_add_list_filter_done_reopen_and_overdue(server: LiveServer) -> None:
    cli = Warroom(server, server.admin_token)
    ref = resolved(cli, "Search index stale", severity="SEV3")
    today = server.clock().date()
    due = (today + timedelta(days=3)).isoformat()
    added = cli.json(
        "actions", "add", ref, "Alert on index lag", "--team", "payments", "--due", due,
        "--kind", "detect", "--owner", "admin", "--priority", "high",
    )  # fmt: skip
    assert added["incident"] == ref
    assert added["status"] == "open"
    assert added["owner"]["username"] == "admin"
    assert added["priority"] == "high"
    other = cli.ok(
        "actions", "add", ref, "Runbook for reindex", "--team", "checkout", "--due", due,
        "--kind", "process",
    )  # fmt: skip
    assert other.startswith("added action item ")
    assert f"of {ref}: Runbook for reindex (open, team checkout, due {due})" in other

    assert [i["title"] for i in cli.json("actions", "list", "--team", "payments")] == [
        "Alert on index lag"
    ]
    assert cli.json("actions", "list", "--overdue") == []
    server.clock.advance(days=4)
    late = cli.json("actions", "list", "--overdue")
    assert sorted(i["title"] for i in late) == ["Alert on index lag", "Runbook for reindex"]
    assert "open OVERDUE" in cli.ok("actions", "list", "--incident", ref)

    done = cli.ok("actions", "done", str(added["id"]))
    assert done.strip() == (
        f"action item {added['id']} of {ref}: Alert on index lag (done, team payments, due {due})"
    )
    assert [i["title"] for i in cli.json("actions", "list", "--status", "done")] == [
        "Alert on index lag"
    ]
    assert [i["title"] for i in cli.json("actions", "list", "--overdue")] == ["Runbook for reindex"]
    reopened = cli.json("actions", "reopen", str(added["id"]))
    assert reopened["status"] == "open"
    assert reopened["overdue"] is True

    missing = cli(
        "actions", "add", ref, "x", "--team", "payments", "--due", "soon", "--kind", "detect"
    )
    assert missing.exit_code == 1
    assert "due_on" in error_line(missing)
