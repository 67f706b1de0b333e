"""bench/web: the war-room page, in one invocation.

    .venv/bin/python -m bench.web.run [--entries 1000] [--requests 200] [--writes 50]

1. Render: ``GET /incidents/INC-1`` (the whole page, server-side) for an incident with
   ``--entries`` timeline entries, signed in, against ``warroom serve --no-worker`` on
   SQLite; p50/p95/max. Reference in the same run: the same incident's timeline as JSON
   (``GET /api/v1/incidents/INC-1/timeline``), so the ratio says what the HTML costs over
   reading the rows. Target: p95 < 100 ms.
2. Live: two signed-in clients hold the page's event stream open while a third posts
   ``--writes`` notes through the API; the delay from each write's answer to the entry's
   arrival at each client (p50/p95/max). Target: < 500 ms.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.support.postgres import free_port  # noqa: E402

from bench.ingest.run import process  # noqa: E402
from warroom.auth import service as auth_service  # noqa: E402
from warroom.auth import web_sessions  # noqa: E402
from warroom.auth.models import UserRole  # noqa: E402
from warroom.clock import utcnow  # noqa: E402
from warroom.config import load_config  # noqa: E402
from warroom.db.engine import make_engine, make_session_factory  # noqa: E402
from warroom.db.migrate import upgrade  # noqa: E402
from warroom.incidents import service, updates  # noqa: E402
from warroom.incidents.commands import DeclareIncident  # noqa: E402

BIN = Path(sys.executable).parent
CONFIG = ROOT / "examples" / "warroom.yaml"
PASSWORD = "bench password 1234"
RENDER_TARGET_MS = 100.0
LIVE_TARGET_MS = 500.0
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')


def seed(url: str, entries: int) -> str:
    """An incident with ``entries`` timeline entries, a signed-in user; returns a token."""
    engine = make_engine(url)
    upgrade(engine)
    config = load_config(CONFIG)
    with make_session_factory(engine)() as session:
        now = utcnow() - timedelta(hours=2)
        user = auth_service.create_user(session, "bench", UserRole.ADMIN, now)
        web_sessions.set_password(session, user, PASSWORD, now)
        _row, token = auth_service.create_token(session, user, "bench", now)
        command = DeclareIncident(title="Checkout returns 503", team="checkout", detected_at=now)
        incident = service.declare(session, config, user, command, now)
        for n in range(entries):
            text = f"note {n}: checked the dashboards, p99 {200 + n % 50} ms, rolling back"
            updates.add_note(session, user, incident, text, n % 97 == 0, now)
        session.commit()
    engine.dispose()
    return token


def signed_in(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30)
    page = client.get("/login")
    token = CSRF.search(page.text)
    assert token, page.text[:200]
    answer = client.post(
        "/login", data={"csrf_token": token.group(1), "username": "bench", "password": PASSWORD}
    )
    assert answer.status_code == 303, answer.text[:300]
    return client


def timed(client: httpx.Client, path: str, count: int, headers: dict[str, str]) -> list[float]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        answer = client.get(path, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, (path, answer.status_code)
    return times


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def live(base: str, token: str, writes: int) -> list[float]:
    arrived: dict[str, list[float]] = {}
    lock = threading.Lock()
    ready = threading.Barrier(3)
    done = threading.Event()

    def listen() -> None:
        client = signed_in(base)
        try:
            with client.stream("GET", "/incidents/INC-1/live?after=999999999") as stream:
                ready.wait()
                for line in stream.iter_lines():
                    for found in re.findall(r"bench live (\d+)", line):
                        with lock:
                            arrived.setdefault(found, []).append(time.perf_counter())
                    if done.is_set():
                        return
        except httpx.HTTPError:  # the server stopped at the end of the run
            return

    threads = [threading.Thread(target=listen, daemon=True) for _ in range(2)]
    for thread in threads:
        thread.start()
    ready.wait()
    time.sleep(0.5)
    api = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    answered: dict[str, float] = {}
    for n in range(writes):
        answer = api.post("/api/v1/incidents/INC-1/notes", json={"text": f"bench live {n}"})
        answered[str(n)] = time.perf_counter()
        assert answer.status_code == 201, answer.text
        time.sleep(0.05)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with lock:
            if len(arrived) == writes and all(len(v) >= 2 for v in arrived.values()):
                break
        time.sleep(0.05)
    done.set()
    delays = []
    for key, at in answered.items():
        got = arrived.get(key, [])
        assert len(got) >= 2, f"write {key} reached {len(got)} of 2 clients"
        delays.extend((t - at) * 1000 for t in got[:2])
    return delays


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--writes", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        token = seed(url, args.entries)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {
            "WARROOM_DATABASE_URL": url,
            "WARROOM_PORT": str(port),
            "WARROOM_LOG_LEVEL": "warning",
        }
        with process(
            [str(BIN / "warroom"), "serve", "--migrate", "--config", str(CONFIG), "--no-worker"],
            f"{base}/healthz",
            env=env,
        ):
            client = signed_in(base)
            bearer = {"Authorization": f"Bearer {token}"}
            timed(client, "/incidents/INC-1", 10, {})  # warm up
            page = timed(client, "/incidents/INC-1", args.requests, {})
            reference = timed(client, "/api/v1/incidents/INC-1/timeline", args.requests, bearer)
            size = len(client.get("/incidents/INC-1").content)
            delays = live(base, token, args.writes)
    print(f"\nIncident page, {args.entries} timeline entries, {args.requests} requests (SQLite):")
    print(f"{'what':<28} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name, values in (("page (HTML)", page), ("timeline JSON (reference)", reference)):
        print(f"{name:<28} {pct(values, 50):>8.1f} {pct(values, 95):>8.1f} {max(values):>8.1f}")
    ratio = pct(page, 50) / pct(reference, 50)
    verdict = "met" if pct(page, 95) < RENDER_TARGET_MS else "NOT met"
    print(
        f"page/JSON p50 ratio {ratio:.2f}x; page size {size / 1024:.0f} KiB; "
        f"p95 < {RENDER_TARGET_MS:.0f} ms: {verdict}"
    )
    verdict = "met" if pct(delays, 95) < LIVE_TARGET_MS else "NOT met"
    print(
        f"\nLive update, {args.writes} writes x 2 clients: p50 {pct(delays, 50):.0f} ms, "
        f"p95 {pct(delays, 95):.0f} ms, max {max(delays):.0f} ms "
        f"(target < {LIVE_TARGET_MS:.0f} ms: {verdict})"
    )


if __name__ == "__main__":
    main()
