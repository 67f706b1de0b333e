"""A doorbell between ``warroom serve`` and its worker process.

Each side holds one end of a Unix socket pair. A ring is one byte saying what became due:
``WORK`` (signals for the pipeline, or a job) or ``OUTBOX`` (a delivery to send); or, once,
``READY`` from the worker process when its loops run. The waiting side's loops would find
the work by polling anyway; the ring only makes them look now. The connection is also a
lifeline: when one side exits, however it exits (even ``SIGKILL``), the kernel closes its
end and the other side reads end of file.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable

WORK = b"w"
OUTBOX = b"o"
READY = b"r"


class Doorbell:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._closing = False

    @classmethod
    def pair(cls) -> tuple[Doorbell, socket.socket]:
        """This process's doorbell and the socket to hand to the other process
        (``pass_fds``; close it here once the other process has it)."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        theirs.set_inheritable(True)
        return cls(ours), theirs

    @classmethod
    def from_fd(cls, fd: int) -> Doorbell:
        """The end a parent process handed down (``warroom worker --doorbell-fd``)."""
        return cls(socket.socket(fileno=fd))

    def ring(self, what: bytes) -> None:
        """Never blocks: a full buffer already holds plenty of rings, and a closed one means
        the other side is gone (its loops poll when it comes back)."""
        with contextlib.suppress(OSError):
            self.sock.send(what, socket.MSG_DONTWAIT)

    def listen(
        self, on_ring: Callable[[bytes], None], on_hangup: Callable[[], None]
    ) -> threading.Thread:
        """On a thread of its own: ``on_ring(WORK | OUTBOX | READY)`` for rings (several
        pending ones of a kind: once) and ``on_hangup()`` once the other side is gone."""

        def run() -> None:
            while True:
                try:
                    data = self.sock.recv(4096)
                except OSError:
                    data = b""
                if not data:
                    if not self._closing:
                        on_hangup()
                    return
                for what in set(data):
                    on_ring(bytes([what]))

        thread = threading.Thread(target=run, name="warroom-doorbell", daemon=True)
        thread.start()
        return thread

    def close(self) -> None:
        """Hangs up: the other side reads end of file; this side's listener ends quietly."""
        self._closing = True
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
