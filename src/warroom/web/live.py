"""Live incident pages: one poller per process watches the timeline table and streams each
new entry (and the refreshed summary) to the pages open on that incident, as server-sent
events.

Polling the table, not an in-process signal, so that entries written by any process (the
worker, another ``serve``) reach every page. On PostgreSQL a sequence may hand out ids that
commit out of order, so an id skipped over is looked for again until ``GAP_SECONDS`` pass.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from warroom.incidents.models import TimelineEntry

POLL_SECONDS = 0.2
GAP_SECONDS = 10.0
KEEPALIVE_SECONDS = 15.0
MAX_ROWS_PER_POLL = 1000
QUEUE_SIZE = 1000


class TimelineWatch:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self.session_factory = session_factory
        self._subscribers: dict[int, set[asyncio.Queue[list[int] | None]]] = {}
        self._last_id: int | None = None
        self._gaps: dict[int, float] = {}
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    def subscribe(self, incident_id: int) -> asyncio.Queue[list[int] | None]:
        queue: asyncio.Queue[list[int] | None] = asyncio.Queue(QUEUE_SIZE)
        self._subscribers.setdefault(incident_id, set()).add(queue)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())
        return queue

    def unsubscribe(self, incident_id: int, queue: asyncio.Queue[list[int] | None]) -> None:
        queues = self._subscribers.get(incident_id)
        if queues is not None:
            queues.discard(queue)
            if not queues:
                del self._subscribers[incident_id]

    def close(self) -> None:
        """Ends every stream (the server is stopping)."""
        self._closed = True
        for queues in self._subscribers.values():
            for queue in queues:
                queue.put_nowait(None)
        if self._task is not None:
            self._task.cancel()

    async def _run(self) -> None:
        while self._subscribers and not self._closed:
            rows = await asyncio.to_thread(self._poll)
            by_incident: dict[int, list[int]] = {}
            for entry_id, incident_id in rows:
                by_incident.setdefault(incident_id, []).append(entry_id)
            for incident_id, ids in by_incident.items():
                for queue in self._subscribers.get(incident_id, ()):
                    if not queue.full():
                        queue.put_nowait(ids)
            await asyncio.sleep(POLL_SECONDS)

    def _poll(self) -> list[tuple[int, int]]:
        with self.session_factory() as session:
            if self._last_id is None:
                self._last_id = int(session.scalar(select(func.max(TimelineEntry.id))) or 0)
                return []
            now = time.monotonic()
            self._gaps = {i: t for i, t in self._gaps.items() if now - t < GAP_SECONDS}
            condition = TimelineEntry.id > self._last_id
            if self._gaps:
                condition = condition | TimelineEntry.id.in_(list(self._gaps))
            rows = [
                (int(i), int(inc))
                for i, inc in session.execute(
                    select(TimelineEntry.id, TimelineEntry.incident_id)
                    .where(condition)
                    .order_by(TimelineEntry.id)
                    .limit(MAX_ROWS_PER_POLL)
                )
            ]
        for entry_id, _ in rows:
            self._gaps.pop(entry_id, None)
            if entry_id > self._last_id + 1:
                for missing in range(self._last_id + 1, min(entry_id, self._last_id + 101)):
                    self._gaps.setdefault(missing, now)
            self._last_id = max(self._last_id, entry_id)
        return rows


def event(name: str, html: str) -> str:
    data = "\n".join(f"data: {line}" for line in html.splitlines() or [""])
    return f"event: {name}\n{data}\n\n"


Renderer = Callable[[list[int] | None, int, set[int]], tuple[str, str, list[int]]]
"""``(ids, after, sent)`` → the HTML of those entries (None: every entry above ``after``),
leaving out the ``sent`` ones; the summary's HTML; and the ids rendered."""


async def stream(
    watch: TimelineWatch, incident_id: int, after: int, render: Renderer
) -> AsyncIterator[str]:
    """The page's events: first what was written since the page was rendered (ids above
    ``after``), then each new entry as it is committed, each entry once."""
    queue = watch.subscribe(incident_id)
    sent: set[int] = set()
    try:
        ids: list[int] | None = None
        while True:
            entries, summary, rendered = await asyncio.to_thread(render, ids, after, sent)
            sent.update(rendered)
            if entries:
                yield event("entry", entries)
            if rendered or ids:
                yield event("summary", summary)
            while True:
                try:
                    ids = await asyncio.wait_for(queue.get(), KEEPALIVE_SECONDS)
                except TimeoutError:
                    yield ": keepalive\n\n"
                    continue
                break
            if ids is None:
                return
    finally:
        watch.unsubscribe(incident_id, queue)
