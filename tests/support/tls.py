"""Throwaway certificates for TLS tests: a CA and a server certificate it signed, made at test
time with the ``openssl`` command line (the ``cryptography`` package is not installed).

``make_certificates(tmp_path)`` writes ``ca.pem`` (what a client trusts, e.g. ``ca_file``),
``server.pem`` and ``server.key`` (what the server presents) for 127.0.0.1 and localhost."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

DEFAULT_NAMES = ("127.0.0.1", "localhost")


@dataclass(frozen=True)
class Certificates:
    ca_file: Path
    """The CA certificate (PEM): trust this to trust the server."""
    cert_file: Path
    """The server's certificate (PEM), signed by the CA."""
    key_file: Path
    """The server's private key (PEM, unencrypted)."""
    names: tuple[str, ...]
    """The IP addresses and DNS names the server's certificate is valid for."""

    def server_context(self) -> ssl.SSLContext:
        """A server-side context presenting the certificate."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context


def _openssl(*args: str | Path) -> None:
    openssl = shutil.which("openssl")
    assert openssl is not None, "the openssl command line is needed to make test certificates"
    result = subprocess.run(
        [openssl, *map(str, args)], capture_output=True, text=True, check=False, timeout=30
    )
    assert result.returncode == 0, f"openssl {' '.join(map(str, args))}: {result.stderr}"


def _subject_alt_names(names: Sequence[str]) -> str:
    def entry(name: str) -> str:
        is_ip = name.replace(".", "").isdigit() or ":" in name
        return f"IP:{name}" if is_ip else f"DNS:{name}"

    return ",".join(entry(name) for name in names)


def make_certificates(
    directory: Path, names: Sequence[str] = DEFAULT_NAMES, *, prefix: str = ""
) -> Certificates:
    """A new CA (P-256, valid one day) and a server certificate for ``names`` signed by it, in
    ``directory`` (file names start with ``prefix``, so several sets can share a directory)."""
    directory.mkdir(parents=True, exist_ok=True)
    ca_key, ca_file = directory / f"{prefix}ca.key", directory / f"{prefix}ca.pem"
    key_file, cert_file = directory / f"{prefix}server.key", directory / f"{prefix}server.pem"
    request, extensions = directory / f"{prefix}server.csr", directory / f"{prefix}server.ext"
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes")
    _openssl(
        "req", "-x509", *ec, "-keyout", ca_key, "-out", ca_file, "-days", "1",
        "-subj", f"/CN=Warroom Test CA {prefix or 'default'}",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    )  # fmt: skip
    _openssl("req", "-new", *ec, "-keyout", key_file, "-out", request, "-subj", f"/CN={names[0]}")
    extensions.write_text(
        "basicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature\n"
        "extendedKeyUsage=serverAuth\n"
        "subjectKeyIdentifier=hash\n"
        "authorityKeyIdentifier=keyid\n"
        f"subjectAltName={_subject_alt_names(names)}\n"
    )
    _openssl(
        "x509", "-req", "-in", request, "-CA", ca_file, "-CAkey", ca_key, "-CAcreateserial",
        "-days", "1", "-sha256", "-extfile", extensions, "-out", cert_file,
    )  # fmt: skip
    return Certificates(ca_file, cert_file, key_file, tuple(names))
