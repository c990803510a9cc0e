"""A throwaway PKI made with the openssl command, for the TLS tests: a CA,
a server certificate for 127.0.0.1 and localhost, and client
certificates, each an EC P-256 key and a PEM certificate valid for a day."""

from __future__ import annotations

import dataclasses
import hashlib
import subprocess
from pathlib import Path

_CURVE = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]


@dataclasses.dataclass(frozen=True)
class Issued:
    cert_file: str
    key_file: str


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)


class TestPki:
    __test__ = False  # not a pytest class

    def __init__(self, directory: Path) -> None:
        self._dir = directory
        self._serial = 1

    def make_ca(self, name: str) -> Issued:
        cert, key = self._dir / f"{name}.pem", self._dir / f"{name}.key"
        _openssl(
            "req", "-x509", "-new", *_CURVE, "-keyout", str(key), "-out", str(cert),
            "-days", "1", "-subj", f"/CN={name}",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        )
        return Issued(str(cert), str(key))

    def issue(self, ca: Issued, name: str, extensions: str) -> Issued:
        cert, key = self._dir / f"{name}.pem", self._dir / f"{name}.key"
        csr, ext = self._dir / f"{name}.csr", self._dir / f"{name}.ext"
        ext.write_text(extensions)
        _openssl("req", "-new", *_CURVE, "-keyout", str(key), "-out", str(csr),
                 "-subj", f"/CN={name}")
        self._serial += 1
        _openssl(
            "x509", "-req", "-in", str(csr), "-CA", ca.cert_file, "-CAkey", ca.key_file,
            "-set_serial", str(self._serial), "-days", "1", "-extfile", str(ext),
            "-out", str(cert),
        )
        return Issued(str(cert), str(key))

    def server(self, ca: Issued, name: str = "server") -> Issued:
        return self.issue(
            ca, name,
            "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
            "extendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n",
        )

    def client(self, ca: Issued, name: str = "ci-runner") -> Issued:
        return self.issue(
            ca, name, "extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n"
        )


def write_tokens_file(path: Path, tokens: dict) -> str:
    """A gateway --auth-tokens-file: ``NAME SHA256HEX`` a line, for
    ``tokens`` (name → token)."""
    path.write_text(
        "".join(f"{name} {hashlib.sha256(token.encode()).hexdigest()}\n"
                for name, token in tokens.items())
    )
    return str(path)
