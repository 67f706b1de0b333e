"""The doorbell between ``warroom serve`` and its worker process: rings arrive, a ring never
blocks or fails, and either side going away is seen by the other."""

from __future__ import annotations

import queue
import threading

from warroom.jobs.doorbell import OUTBOX, READY, WORK, Doorbell


def test_rings_arrive_and_the_other_side_closing_is_a_hangup() -> None:
    ours, theirs_socket = Doorbell.pair()
    theirs = Doorbell(theirs_socket)
    rings: queue.Queue[bytes] = queue.Queue()
    hung_up = threading.Event()
    listener = ours.listen(rings.put, hung_up.set)
    theirs.ring(READY)
    assert rings.get(timeout=5) == READY
    theirs.ring(WORK)
    assert rings.get(timeout=5) == WORK
    theirs.ring(OUTBOX)
    assert rings.get(timeout=5) == OUTBOX
    assert not hung_up.is_set()
    theirs.close()
    assert hung_up.wait(5)
    listener.join(5)
    assert not listener.is_alive()
    ours.ring(WORK)  # to a side that is gone: no error, no wait
    ours.close()


def test_rings_never_block_the_ringer_even_when_far_more_are_pending_than_fit() -> None:
    ours, theirs_socket = Doorbell.pair()
    theirs = Doorbell(theirs_socket)
    for _ in range(200_000):  # far more than the socket buffer holds: the extra are dropped
        theirs.ring(WORK)
    rings: queue.Queue[bytes] = queue.Queue()
    ours.listen(rings.put, lambda: None)
    assert rings.get(timeout=5) == WORK
    theirs.close()
    ours.close()


def test_closing_its_own_side_is_not_reported_as_the_other_hanging_up() -> None:
    ours, theirs_socket = Doorbell.pair()
    hung_up = threading.Event()
    listener = ours.listen(lambda _what: None, hung_up.set)
    ours.close()
    listener.join(5)
    assert not listener.is_alive() and not hung_up.is_set()
    theirs_socket.close()
