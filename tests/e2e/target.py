"""A scrape target: ``/metrics`` in the Prometheus text format, with a gauge the test sets."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class MetricsTarget:
    """``queue_depth{service="checkout-queue"}`` on a loopback port, served from a thread."""

    def __init__(self, service: str = "checkout-queue") -> None:
        self.service = service
        self._depth = 0.0
        self._lock = threading.Lock()
        self.scrapes = 0
        target = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path.split("?")[0] != "/metrics":
                    self.send_error(404)
                    return
                body = target.exposition().encode()
                self.send_response(200)
                self.send_header("Content-Type", CONTENT_TYPE)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )

    @property
    def address(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{host}:{port}"

    def set(self, depth: float) -> None:
        with self._lock:
            self._depth = depth

    def exposition(self) -> str:
        with self._lock:
            self.scrapes += 1
            depth = self._depth
        return (
            "# HELP queue_depth Orders waiting in the queue.\n"
            "# TYPE queue_depth gauge\n"
            f'queue_depth{{service="{self.service}"}} {depth}\n'
        )

    def start(self) -> MetricsTarget:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
