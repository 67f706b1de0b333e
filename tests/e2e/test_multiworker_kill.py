"""Two ``warroom worker`` processes share a PostgreSQL database behind a ``warroom serve
--no-worker``; 500 SEV1 incidents escalate at once (primary by email and webhook, then the
backup by email after a wait); one worker is SIGKILLed halfway through and the survivor
finishes. Every expected page arrives, and none arrives twice.

Why none twice: a job (escalation step) runs in the transaction that marks it done, and its
deliveries are enqueued in that transaction under keys derived from the page, so a job cut
short by the kill is rolled back and run again without duplicates. A delivery is claimed
(status ``sending`` with a 2-minute lease) in one transaction, sent with no transaction open,
and settled in another: a worker killed after its SMTP/HTTP send returned but before the
settle commit leaves a row that the survivor sends again once the lease runs out. A worker
has at most PARALLEL_SENDS sends in flight, so the kill can cause at most that many repeats,
and each carries the same Message-ID (email) or X-Warroom-Delivery header (webhook) as the
first send, which is how receivers drop it. The test asserts exactly that bound. The lease
is shortened to LEASE_SECONDS so the survivor takes over the dead worker's claims quickly.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import yaml

from tests.conftest import TEST_CONFIG
from tests.e2e.stack import TEAM, Stack, Warroom
from tests.support.sinks import HttpSink, SmtpSink
from warroom.notify.delivery_worker import PARALLEL_SENDS

pytestmark = pytest.mark.slow

INCIDENTS = 500
WAIT_SECONDS = 5
LEASE_SECONDS = 20
STALL_SECONDS = LEASE_SECONDS + 100
WORKER_ENV = {"WARROOM_DELIVERY_LEASE_SECONDS": str(LEASE_SECONDS)}
PRIMARY, BACKUP = "alice", "bob"
EMAIL = {PRIMARY: "alice@example.com", BACKUP: "bob@example.com"}
EXPECTED_PER_INCIDENT = [(PRIMARY, "email"), (PRIMARY, "webhook"), (BACKUP, "email")]
REF = re.compile(r"\bINC-\d+\b")


def paging_config(smtp_port: int, hook_url: str) -> dict[str, Any]:
    teams = yaml.safe_load(TEST_CONFIG.read_text())["teams"]
    for team in teams:
        if team["slug"] == TEAM:
            team.update(escalation_policy="checkout", contacts=[])
    always = {"start": "2026-01-05T00:00", "shift": "weekly"}
    return {
        "teams": teams,
        "people": [
            {
                "username": PRIMARY,
                "name": "Alice Primary",
                "contacts": [
                    {"kind": "email", "target": EMAIL[PRIMARY]},
                    {"kind": "webhook", "target": hook_url},
                ],
            },
            {
                "username": BACKUP,
                "name": "Bob Backup",
                "contacts": [{"kind": "email", "target": EMAIL[BACKUP]}],
            },
        ],
        "schedules": [
            {
                "slug": f"checkout-{role}",
                "name": f"Checkout {role}",
                "team": TEAM,
                "timezone": "UTC",
                "layers": [{"name": role, "participants": [person], **always}],
            }
            for role, person in (("primary", PRIMARY), ("backup", BACKUP))
        ],
        "escalation_policies": [
            {
                "slug": "checkout",
                "name": "Checkout",
                "steps": [
                    {"notify_on_call": "checkout-primary"},
                    {"wait": f"{WAIT_SECONDS}s"},
                    {"notify_on_call": "checkout-backup"},
                ],
            }
        ],
        "notifications": {
            "email": {"host": "127.0.0.1", "port": smtp_port, "from_address": "warroom@ex.com"}
        },
    }


def receipts(smtp: SmtpSink, hook: HttpSink) -> list[tuple[str, str, str, str]]:
    """Every raw receipt as (incident ref, person, channel, delivery id)."""
    out = []
    for mail in smtp.received():
        [person] = [p for p, address in EMAIL.items() if address in mail.recipients]
        found = REF.search(mail.subject)
        assert found, mail.subject
        out.append((found.group(0), person, "email", mail.message_id))
    for request in hook.received():
        body = json.loads(request.body)
        out.append(
            (body["incident"]["ref"], PRIMARY, "webhook", request.headers["X-Warroom-Delivery"])
        )
    return out


def declare_all(warroom: Warroom) -> list[str]:
    def declare(number: int) -> str:
        answer = warroom.client.post(
            "/api/v1/incidents",
            json={"title": f"Checkout outage {number}", "severity": "SEV1", "team": TEAM},
        )
        assert answer.status_code == 201, answer.text
        ref: str = answer.json()["ref"]
        return ref

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(declare, range(INCIDENTS)))


def wait_with_progress(count: Callable[[], int], target: int, stack: Stack) -> None:
    """Until ``count()`` reaches ``target``; fails when it stands still for STALL_SECONDS
    (longer than the lease), so a slow, loaded machine is waited for but a wedge is not."""
    last, moved = count(), time.monotonic()
    while last < target:
        time.sleep(0.5)
        now = count()
        if now != last:
            last, moved = now, time.monotonic()
        elif time.monotonic() - moved > STALL_SECONDS:
            raise AssertionError(
                f"stuck at {last} of {target} receipts for {STALL_SECONDS} s\n{stack.diagnostics()}"
            )


def sent_by(log: str) -> int:
    return log.count('"delivery_sent"')


def test_a_worker_killed_mid_escalation_loses_and_repeats_no_page(
    stack: Stack, empty_postgres_url: str
) -> None:
    with SmtpSink() as smtp, HttpSink() as hook:
        warroom = stack.warroom(
            database_url=empty_postgres_url,
            extra=paging_config(smtp.port, hook.url),
            serve_args=["--no-worker"],
        )
        warroom.wait_ready()
        doomed = stack.worker(warroom, "worker-1", WORKER_ENV)
        survivor = stack.worker(warroom, "worker-2", WORKER_ENV)

        refs = declare_all(warroom)
        assert len(set(refs)) == INCIDENTS
        expected = {
            (ref, person, channel) for ref in refs for person, channel in EXPECTED_PER_INCIDENT
        }

        wait_with_progress(lambda: len(receipts(smtp, hook)), len(expected) // 2, stack)
        assert doomed.alive() and survivor.alive()
        doomed.popen.kill()
        doomed.popen.wait(10)
        at_kill = len(receipts(smtp, hook))
        print(f"SIGKILL worker-1 after {at_kill} of {len(expected)} receipts")
        assert at_kill < len(expected), "the kill came too late to prove anything"

        wait_with_progress(
            lambda: len({r[:3] for r in receipts(smtp, hook)} & expected), len(expected), stack
        )

        def outbox_settled() -> dict[str, int] | None:
            counts: dict[str, int] = warroom.get("/api/v1/deliveries", limit=1)["counts"]
            return counts if set(counts) == {"delivered"} else None

        counts = stack.wait(outbox_settled, "the outbox to settle", timeout=60)
        assert counts == {"delivered": len(expected)}
        time.sleep(2)  # anything still in flight would land now

        raw = receipts(smtp, hook)
        per_page = Counter(r[:3] for r in raw)
        assert set(per_page) == expected, "pages nobody expected"
        repeats = {page: n for page, n in per_page.items() if n > 1}
        print(f"{len(raw)} raw receipts for {len(expected)} pages; repeats: {repeats}")
        # At most the sends in flight at the kill (sent, settle not committed) repeat...
        assert sum(n - 1 for n in repeats.values()) <= PARALLEL_SENDS, repeats
        # ...and it carries the same delivery id, so the receiver drops it.
        by_delivery_id = Counter((r[2], r[3]) for r in raw)
        assert len(by_delivery_id) == len(expected)
        for page in repeats:
            ids = {r[3] for r in raw if r[:3] == page}
            assert len(ids) == 1, (page, ids)

        # Both workers did part of the work: the kill interrupted a live worker.
        assert sent_by(doomed.stdout() + doomed.stderr()) > 0
        assert sent_by(survivor.stdout() + survivor.stderr()) > 0
        assert survivor.alive()
