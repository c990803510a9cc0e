"""Where the gateway is and how to reach it: the CLI's ``--server``,
``--tls-ca``, ``--tls-cert``, ``--tls-key`` and ``--token-file``
(client/gateway_channel.h), with the same rules and, through
:func:`cxone_compile.connect`, the same environment variables.

``server`` takes

- ``HOST:PORT``: plaintext, unless a ``tls_*`` option is given;
- ``https://HOST[:PORT]``: TLS (port 443 when none);
- ``dns:[//AUTHORITY/]HOST[:PORT]``: a gRPC target URI, passed to gRPC as
  it is (plaintext unless a ``tls_*`` option is given).

TLS verifies the gateway's certificate against ``tls_ca`` (PEM; the
system's roots when none) and presents ``tls_cert`` and ``tls_key`` (which
go together) to a gateway that asks for a client certificate (mTLS). A
bearer token, ``token`` or the first line of ``token_file``, is sent as
``authorization: Bearer TOKEN`` on every call, over TLS or plaintext alike
(as the CLI: a loopback gateway may be plaintext).

The files are read once, when the endpoint is resolved. A mistake is an
:class:`EndpointError` naming the option (or the environment variable it
came from) and the file — never a file's contents, nor the token.
"""

from __future__ import annotations

import dataclasses
from typing import Mapping, Optional, Tuple

import grpc

#: The environment variables :func:`cxone_compile.connect` reads, as the
#: CLI does, for each option not given.
ENV_SERVER = "CXONE_SERVER"
ENV_TLS_CA = "CXONE_TLS_CA"
ENV_TLS_CERT = "CXONE_TLS_CERT"
ENV_TLS_KEY = "CXONE_TLS_KEY"
ENV_TOKEN_FILE = "CXONE_TOKEN_FILE"
TLS_ENV_VARS = (ENV_TLS_CA, ENV_TLS_CERT, ENV_TLS_KEY)

#: The CLI's default ``--server``.
DEFAULT_SERVER = "127.0.0.1:50051"

_FORMS = "HOST:PORT, https://HOST[:PORT] or dns:///HOST:PORT"


class EndpointError(ValueError):
    """A server, TLS file or token the client cannot use; the message names
    the option and the file, never a secret."""


@dataclasses.dataclass(frozen=True)
class GatewayEndpoint:
    """A resolved endpoint: the gRPC ``target`` (HOST:PORT or a URI),
    whether to use TLS, the PEM contents (not paths) of the CAs that verify
    the gateway (None: the system's) and of the client certificate and key
    (None: none), and the bearer token (None: none). Its repr shows neither
    the key nor the token."""

    target: str
    tls: bool = False
    ca_pem: Optional[bytes] = None
    cert_pem: Optional[bytes] = None
    key_pem: Optional[bytes] = dataclasses.field(default=None, repr=False)
    token: Optional[str] = dataclasses.field(default=None, repr=False)

    def __repr__(self) -> str:
        return (
            f"GatewayEndpoint(target={self.target!r}, tls={self.tls}, "
            f"ca_pem={'<PEM>' if self.ca_pem else None}, "
            f"cert_pem={'<PEM>' if self.cert_pem else None}, "
            f"key_pem={'[REDACTED]' if self.key_pem else None}, "
            f"token={'[REDACTED]' if self.token else None})"
        )

    def channel_credentials(self) -> Optional[grpc.ChannelCredentials]:
        """TLS credentials for the channel; None for plaintext."""
        if not self.tls:
            return None
        return grpc.ssl_channel_credentials(
            root_certificates=self.ca_pem,
            private_key=self.key_pem,
            certificate_chain=self.cert_pem,
        )

    def authorization(self) -> Tuple[Tuple[str, str], ...]:
        """The metadata the token adds to every call (none without one)."""
        return (("authorization", f"Bearer {self.token}"),) if self.token else ()


class _Option:
    """An option's value and the name an error calls it by: the keyword
    argument, or the environment variable it came from."""

    def __init__(
        self, name: str, value: Optional[str], env_var: str, environ: Optional[Mapping[str, str]]
    ) -> None:
        self.name = name
        self.value = value
        if value is None and environ is not None and env_var in environ:
            self.value = environ[env_var]
            self.name = f"${env_var} ({name})"


def resolve_endpoint(
    server: Optional[str] = None,
    *,
    tls_ca: Optional[str] = None,
    tls_cert: Optional[str] = None,
    tls_key: Optional[str] = None,
    token: Optional[str] = None,
    token_file: Optional[str] = None,
    environ: Optional[Mapping[str, str]] = None,
    server_name: str = "server",
) -> GatewayEndpoint:
    """The endpoint the options name, by the CLI's rules. Each option that
    is None comes from its ``CXONE_*`` variable in ``environ`` when that
    is given (``os.environ``, say); ``server`` then defaults to
    127.0.0.1:50051. ``token_file`` (and $CXONE_TOKEN_FILE) is not read
    when ``token`` is given. An empty path means none, as an empty flag.

    Raises EndpointError for a malformed server, ``tls_cert`` without
    ``tls_key`` (or the other way round), both ``token`` and
    ``token_file``, a file that cannot be read, a TLS file that is not PEM,
    or an empty token (or one with spaces or control characters).
    """
    if token is not None and token_file is not None:
        raise EndpointError("give token or token_file, not both")
    server_option = _Option(server_name, server, ENV_SERVER, environ)
    ca = _Option("tls_ca", tls_ca, ENV_TLS_CA, environ)
    cert = _Option("tls_cert", tls_cert, ENV_TLS_CERT, environ)
    key = _Option("tls_key", tls_key, ENV_TLS_KEY, environ)
    token_path = _Option(
        "token_file", token_file, ENV_TOKEN_FILE, None if token is not None else environ
    )
    given = server_option.value if server_option.value is not None else DEFAULT_SERVER
    files = bool(ca.value or cert.value or key.value)
    target, tls = _target_of(given, server_option.name, files)
    if bool(cert.value) != bool(key.value):
        raise EndpointError(
            "tls_cert and tls_key go together: the client certificate and its key"
        )
    ca_pem = _read_pem(ca) if ca.value else None
    cert_pem = _read_pem(cert) if cert.value else None
    key_pem = _read_pem(key) if key.value else None
    bearer: Optional[str] = None
    if token is not None:
        bearer = _checked_token(token.encode("utf-8", "surrogateescape"), "token")
    elif token_path.value:
        bearer = _read_token(token_path)
    return GatewayEndpoint(target, tls, ca_pem, cert_pem, key_pem, bearer)


def _target_of(server: str, name: str, files: bool) -> Tuple[str, bool]:
    if server.startswith("https://"):
        address = server[len("https://") :]
        if address.endswith("/"):
            address = address[:-1]
        bracketed = address.startswith("[")
        has_port = "]:" in address if bracketed else ":" in address
        if not has_port:
            address += ":443"
        _check_host_port(address, server, name)
        return address, True
    if server.startswith("dns:"):
        if len(server) <= 4 or server.endswith("/"):
            raise EndpointError(
                f'{name} "{server}": a dns: target names a host (dns:///HOST:PORT)'
            )
        return server, files
    if "://" in server:
        raise EndpointError(
            f'{name} "{server}": the only schemes are https:// and dns: '
            "(plain HOST:PORT for plaintext)"
        )
    _check_host_port(server, server, name)
    return server, files


def _check_host_port(address: str, given: str, name: str) -> None:
    # The port follows the last colon; an IPv6 host is bracketed, so its
    # own colons come before it.
    colon = address.rfind(":")
    port = address[colon + 1 :] if colon >= 0 else ""
    if colon <= 0 or not port or any(c not in "0123456789" for c in port):
        problem = f'expected HOST:PORT, got "{address}"'
    elif not 1 <= int(port) <= 65535:
        problem = f"port {port} is out of range: expected port 1 to 65535"
    else:
        return
    raise EndpointError(f'{name} "{given}": {problem}; {name} takes {_FORMS}')


def _read_file(option: _Option) -> bytes:
    assert option.value is not None
    try:
        with open(option.value, "rb") as file:
            return file.read()
    except OSError:
        # The OSError's text is the path and errno, but it stays out of the
        # chain: the message says all there is.
        raise EndpointError(f'{option.name} "{option.value}": cannot read it') from None


def _read_pem(option: _Option) -> bytes:
    text = _read_file(option)
    if b"-----BEGIN " not in text:
        raise EndpointError(f'{option.name} "{option.value}": not a PEM file')
    return text


def _read_token(option: _Option) -> str:
    try:
        with open(option.value or "", "rb") as file:
            text = file.read()
    except OSError:
        text = b""
    if not text.strip():
        raise EndpointError(f'{option.name} "{option.value}": cannot read a token from it')
    return _checked_token(text, f'{option.name} "{option.value}"')


def _checked_token(text: bytes, what: str) -> str:
    token = text.strip()  # ASCII whitespace, as absl::StripAsciiWhitespace
    if not token:
        raise EndpointError(f"{what}: the token is empty")
    if any(byte < 0x21 or byte == 0x7F for byte in token):
        raise EndpointError(f"{what}: the token holds spaces or control characters")
    if any(byte > 0x7E for byte in token):
        # gRPC metadata values are ASCII; the CLI's call would fail later.
        raise EndpointError(f"{what}: the token holds non-ASCII characters")
    return token.decode("ascii")
