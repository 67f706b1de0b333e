"""A throwaway PostgreSQL server for the test session, started from the Debian binaries.

initdb and pg_ctl refuse to run as root, so as root they run as the ``postgres`` user on
a data directory that user owns. The server listens on a free loopback port only.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text


class PostgresUnavailable(RuntimeError):
    pass


def find_bindir() -> Path:
    candidates = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        candidates.append(out.stdout.strip())
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for directory in candidates:
        if directory and Path(directory, "initdb").exists() and Path(directory, "pg_ctl").exists():
            return Path(directory)
    raise PostgresUnavailable("PostgreSQL server binaries (initdb, pg_ctl) were not found")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PostgresServer:
    bindir: Path
    root: Path
    port: int

    @property
    def datadir(self) -> Path:
        return self.root / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> None:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        result = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise PostgresUnavailable(f"{' '.join(cmd)} failed: {result.stderr.strip()}")

    def start(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(
            "initdb",
            "-D",
            str(self.datadir),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        self.pg_ctl("start")

    @property
    def options(self) -> str:
        return (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -F "
            "-c max_connections=200 -c full_page_writes=off"
        )

    def pg_ctl(self, action: str, mode: str = "fast") -> None:
        """``pg_ctl start``, ``stop`` or ``restart`` (``mode`` for the last two), waiting
        until done: the outage tests stop and start the server under a running warroom."""
        args = ["-o", self.options, "-l", str(self.root / "server.log")]
        if action != "start":
            args += ["-m", mode]
        self._run("pg_ctl", "-D", str(self.datadir), *args, "-w", "-t", "60", action)

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.datadir), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def start_server() -> PostgresServer:
    bindir = find_bindir()
    root = Path(tempfile.mkdtemp(prefix="warroom-pg-"))
    os.chmod(root, 0o755)
    server = PostgresServer(bindir=bindir, root=root, port=free_port())
    server.start()
    return server


@contextmanager
def fresh_database(
    server: PostgresServer, prefix: str, template: str | None = None
) -> Iterator[str]:
    """A new database (a copy of ``template``, or empty) for the block; its URL. Dropped
    after, even with connections still open."""
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(4)}"
    admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
    copy = f' TEMPLATE "{template}"' if template else ""
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    try:
        yield server.url(name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
