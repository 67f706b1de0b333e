"""What the outage tests share: a warroom configured with every kind of intake, a load of
uniquely identified signals whose every answer is recorded, probes of each ingest route,
and counts of what reached the database.

A signal is acknowledged when its request got a 2xx; the tests count the acknowledged
identities that are missing from the ``signals`` table afterwards (must be none).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import yaml
from sqlalchemy import create_engine, text

from tests.conftest import TEST_CONFIG
from tests.e2e.stack import AM_SLUG, PD_SLUG, SERVICE, TEAM, Stack, Warroom
from tests.support.sinks import SmtpSink

HOOK_KEY = "hook-outage-key-0123456789"
BEAT_KEY = "beat-outage-key-0123456789"
SENTRY_KEY = "0123456789abcdef0123456789abcdef"
PROJECT_ID = 42
UNLIMITED = {"rate_limit": {"per_second": 100000, "burst": 100000}}
PRIMARY, BACKUP = "alice@example.com", "bob@example.com"
REQUEST_SECONDS = 15.0
"""A load request's own deadline: an answer must come before (Alertmanager's is 10 s)."""


def outage_config(smtp: SmtpSink | None = None) -> dict[str, Any]:
    """Extra config: the generic webhook, a heartbeat and a Sentry project beside the
    Alertmanager and PagerDuty integrations; with ``smtp``, SEV1 incidents page alice by
    email and, 2 s later, bob."""
    teams = yaml.safe_load(TEST_CONFIG.read_text())["teams"]
    extra: dict[str, Any] = {
        "projects": [
            {
                "slug": "shop",
                "id": PROJECT_ID,
                "team": TEAM,
                "platform": "python",
                "keys": [{"public_key": SENTRY_KEY}],
            }
        ],
    }
    if smtp is None:
        return extra
    for team in teams:
        if team["slug"] == TEAM:
            team.update(escalation_policy="checkout", contacts=[])
    always = {"start": "2026-01-05T00:00", "shift": "weekly"}
    extra.update(
        teams=teams,
        people=[
            {
                "username": "alice",
                "name": "Alice",
                "contacts": [{"kind": "email", "target": PRIMARY}],
            },
            {"username": "bob", "name": "Bob", "contacts": [{"kind": "email", "target": BACKUP}]},
        ],
        schedules=[
            {
                "slug": f"checkout-{person}",
                "name": f"Checkout {person}",
                "team": TEAM,
                "timezone": "UTC",
                "layers": [{"name": person, "participants": [person], **always}],
            }
            for person in ("alice", "bob")
        ],
        escalation_policies=[
            {
                "slug": "checkout",
                "name": "Checkout",
                "steps": [
                    {"notify_on_call": "checkout-alice"},
                    {"wait": "2s"},
                    {"notify_on_call": "checkout-bob"},
                ],
            }
        ],
        notifications={
            "email": {"host": "127.0.0.1", "port": smtp.port, "from_address": "warroom@ex.com"}
        },
    )
    return extra


def start_warroom(
    stack: Stack, database_url: str, extra: dict[str, Any], serve_args: list[str] | None = None
) -> Warroom:
    """``warroom serve`` with every intake and no rate limit in the way; the load's alerts
    (``severity=info``) become tickets, not incidents."""
    return stack.warroom(
        database_url=database_url,
        extra=extra,
        am_extra=UNLIMITED,
        pd_extra=UNLIMITED,
        serve_args=serve_args,
        alert_rules=[{"name": "tickets", "matchers": ['severity="info"'], "action": "ticket"}],
        more_integrations=[
            {
                "slug": "hook",
                "kind": "webhook",
                "key": HOOK_KEY,
                "team": TEAM,
                "transform": {
                    "title": "{{ payload.title }}",
                    "dedup_key": "{{ payload.id }}",
                    "status": "firing",
                    "severity": "info",
                },
                **UNLIMITED,
            },
            {
                "slug": "beat",
                "kind": "heartbeat",
                "key": BEAT_KEY,
                "team": TEAM,
                "service": SERVICE,
                "heartbeat": {"interval": "1h", "grace": "1h"},
            },
        ],
    )


def am_body(identity: str) -> dict[str, Any]:
    labels = {"alertname": "OutageLoad", "service": SERVICE, "severity": "info", "n": identity}
    return {
        "receiver": "warroom",
        "status": "firing",
        "alerts": [
            {
                "status": "firing",
                "labels": labels,
                "annotations": {"summary": "load during a database outage"},
                "startsAt": "2026-03-02T08:55:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "fingerprint": identity,
            }
        ],
        "groupLabels": {},
        "commonLabels": labels,
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "version": "4",
        "groupKey": "{}:{}",
    }


def pd_body(warroom: Warroom, identity: str) -> dict[str, Any]:
    return {
        "routing_key": warroom.pd_key,
        "event_action": "trigger",
        "dedup_key": identity,
        "payload": {"summary": "load during a database outage", "source": "db", "severity": "info"},
    }


@dataclass
class Answer:
    route: str
    identity: str
    status: int | None
    """None: no answer (connection refused or reset, the deadline passed)."""
    retry_after: str | None
    seconds: float
    at: float


@dataclass
class Load:
    """Threads that send one signal per request to the Alertmanager webhook and PagerDuty's
    ``/v2/enqueue`` in turn, each with a new identity, and record every answer."""

    warroom: Warroom
    senders: int = 3
    pause: float = 0.01
    answers: list[Answer] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __enter__(self) -> Load:
        for number in range(self.senders):
            thread = threading.Thread(target=self._send, args=(number,), daemon=True)
            self._threads.append(thread)
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(REQUEST_SECONDS + 5)

    def _send(self, number: int) -> None:
        base = self.warroom.url
        with httpx.Client(timeout=REQUEST_SECONDS) as client:
            sent = 0
            while not self._stop.is_set():
                sent += 1
                identity = f"load-{number}-{sent}-{uuid.uuid4().hex[:8]}"
                if sent % 2:
                    route = "alertmanager"
                    url, body = (
                        f"{base}/ingest/alertmanager/{self.warroom.am_key}",
                        am_body(identity),
                    )
                else:
                    route, url, body = (
                        "pagerduty",
                        f"{base}/v2/enqueue",
                        pd_body(self.warroom, identity),
                    )
                started = time.monotonic()
                try:
                    response = client.post(url, json=body)
                    status, retry = response.status_code, response.headers.get("retry-after")
                except httpx.HTTPError:
                    status, retry = None, None
                answer = Answer(route, identity, status, retry, time.monotonic() - started, started)
                with self._lock:
                    self.answers.append(answer)
                if status is None or status >= 500:
                    time.sleep(0.2)  # as a sender backs off; a 503's Retry-After is longer
                else:
                    time.sleep(self.pause)

    def snapshot(self) -> list[Answer]:
        with self._lock:
            return list(self.answers)

    def acked(self) -> set[str]:
        return {a.identity for a in self.snapshot() if a.status is not None and a.status < 300}

    def statuses(self, since: float = 0.0) -> Counter[int | None]:
        return Counter(a.status for a in self.snapshot() if a.at >= since)


def stored_identities(database_url: str) -> set[str]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT identity FROM signals WHERE integration IN (:am, :pd)"),
                {"am": AM_SLUG, "pd": PD_SLUG},
            )
            return {row[0] for row in rows}
    finally:
        engine.dispose()


def unprocessed_signals(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            count = conn.execute(text("SELECT count(*) FROM signals WHERE processed_at IS NULL"))
            return int(count.scalar_one())
    finally:
        engine.dispose()


def probe_all(warroom: Warroom) -> dict[str, httpx.Response]:
    """One request to each ingest route (each stores something new)."""
    base, key = warroom.url, uuid.uuid4().hex[:12]
    sentry = f"{base}/api/{PROJECT_ID}"
    auth = {"X-Sentry-Auth": f"Sentry sentry_key={SENTRY_KEY}, sentry_version=7"}
    event_id = uuid.uuid4().hex
    envelope = (
        f'{{"event_id":"{event_id}"}}\n{{"type":"event"}}\n'
        f'{{"event_id":"{event_id}","message":"probe {key}","level":"error"}}\n'
    ).encode()
    v2 = am_body(f"probe-v2-{key}")["alerts"]
    with httpx.Client(timeout=REQUEST_SECONDS) as client:
        return {
            "alertmanager webhook": client.post(
                f"{base}/ingest/alertmanager/{warroom.am_key}", json=am_body(f"probe-{key}")
            ),
            "alertmanager v2": client.post(
                f"{base}/api/v2/alerts",
                json=v2,
                headers={"Authorization": f"Bearer {warroom.am_key}"},
            ),
            "pagerduty": client.post(f"{base}/v2/enqueue", json=pd_body(warroom, f"probe-{key}")),
            "webhook": client.post(
                f"{base}/ingest/webhook/{HOOK_KEY}", json={"title": "probe", "id": key}
            ),
            "heartbeat": client.post(f"{base}/ingest/heartbeat/{BEAT_KEY}"),
            "sentry store": client.post(
                f"{sentry}/store/",
                json={"event_id": uuid.uuid4().hex, "message": f"probe {key}", "level": "error"},
                headers=auth,
            ),
            "sentry envelope": client.post(
                f"{sentry}/envelope/",
                content=envelope,
                headers={**auth, "Content-Type": "application/x-sentry-envelope"},
            ),
        }


def readyz(warroom: Warroom) -> int | None:
    try:
        return httpx.get(f"{warroom.url}/readyz", timeout=5).status_code
    except httpx.HTTPError:
        return None


def log_events(text_: str, event: str) -> list[dict[str, Any]]:
    """The JSON log lines of ``event``."""
    found = []
    for line in text_.splitlines():
        if f'"{event}"' in line and line.startswith("{"):
            entry = json.loads(line)
            if entry.get("event") == event:
                found.append(entry)
    return found


def unavailable_per_part(text_: str) -> Counter[str]:
    """``database_unavailable`` lines per part of a process."""
    return Counter(str(e.get("part")) for e in log_events(text_, "database_unavailable"))
