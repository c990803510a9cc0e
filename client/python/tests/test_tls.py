"""TLS, mTLS and bearer tokens: the endpoint rules the CLI has
(client/gateway_channel.h), and the client against a real gateway serving
TLS with a throwaway PKI (openssl), with and without client certificates
and a tokens file."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

import cxone_compile
import cxone_compile.aio
from cxone_compile import EndpointError, State, resolve_endpoint
from conftest import DEFAULT_SERVER_ARGS
from pki import TestPki, write_tokens_file

WAIT = 60.0
# A call that cannot get through fails within this (a refused handshake is
# UNAVAILABLE at once; the bound is for a loaded machine).
REFUSED_WITHIN = 10.0
TOKEN = "s3cret-deployer-token-4711"
MISSING = "flows/main-menu/compiles/00000000-0000-0000-0000-000000000000"


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    directory = tmp_path_factory.mktemp("pki")
    made = TestPki(directory)
    ca = made.make_ca("ca")
    other_ca = made.make_ca("other-ca")
    return {
        "dir": directory,
        "ca": ca,
        "other_ca": other_ca,
        "server": made.server(ca),
        "client": made.client(ca),
    }


def tls_args(pki, *, mtls=False, tokens_file=None):
    args = [*DEFAULT_SERVER_ARGS, f"--tls-cert-file={pki['server'].cert_file}",
            f"--tls-key-file={pki['server'].key_file}"]
    if mtls:
        args.append(f"--tls-client-ca-file={pki['ca'].cert_file}")
    if tokens_file:
        args.append(f"--auth-tokens-file={tokens_file}")
    return args


def https(stack) -> str:
    return f"https://{stack.gateway.address}"


def assert_refused(client, error_class):
    with pytest.raises(error_class) as raised:
        client.get(MISSING, timeout=REFUSED_WITHIN)
    return raised.value


# --- the endpoint rules, without a gateway ---


@pytest.mark.parametrize(
    "server, target, tls",
    [("gw.example.com:50051", "gw.example.com:50051", False),
     ("https://gw.example.com", "gw.example.com:443", True),
     ("https://gw.example.com:8443/", "gw.example.com:8443", True),
     ("https://[::1]", "[::1]:443", True),
     ("dns:///gw.example.com:50051", "dns:///gw.example.com:50051", False)],
)
def test_server_forms_resolve_as_the_clis(server, target, tls):
    endpoint = resolve_endpoint(server)
    assert (endpoint.target, endpoint.tls) == (target, tls)


@pytest.mark.parametrize(
    "server, problem",
    [("gw.example.com", 'expected HOST:PORT, got "gw.example.com"'),
     ("gw:0", "port 0 is out of range"),
     ("https://gw:99999", "port 99999 is out of range"),
     ("grpc://gw:1", "the only schemes are https:// and dns:"),
     ("dns:///", "a dns: target names a host")],
)
def test_a_malformed_server_names_itself(server, problem):
    with pytest.raises(EndpointError, match=problem) as raised:
        resolve_endpoint(server)
    assert f'server "{server}"' in str(raised.value)


def test_a_tls_file_makes_host_port_tls(pki):
    endpoint = resolve_endpoint("127.0.0.1:1", tls_ca=pki["ca"].cert_file)
    assert endpoint.tls and endpoint.ca_pem.startswith(b"-----BEGIN CERTIFICATE")


def test_a_client_certificate_needs_its_key(pki):
    with pytest.raises(EndpointError, match="tls_cert and tls_key go together"):
        resolve_endpoint("127.0.0.1:1", tls_cert=pki["client"].cert_file)
    with pytest.raises(EndpointError, match="tls_cert and tls_key go together"):
        cxone_compile.Client("127.0.0.1:1", tls_key=pki["client"].key_file)


def test_unreadable_and_non_pem_files_are_named_not_shown(pki, tmp_path):
    with pytest.raises(EndpointError, match=r'tls_ca ".*/absent.pem": cannot read it'):
        resolve_endpoint("127.0.0.1:1", tls_ca=str(tmp_path / "absent.pem"))
    not_pem = tmp_path / "key.txt"
    not_pem.write_text("hunter2-not-a-pem")
    with pytest.raises(EndpointError, match="not a PEM file") as raised:
        resolve_endpoint("127.0.0.1:1", tls_cert=pki["client"].cert_file,
                         tls_key=str(not_pem))
    assert "hunter2" not in str(raised.value)


def test_bad_token_files_are_refused_without_showing_the_token(tmp_path):
    empty = tmp_path / "empty"
    empty.write_text(" \n")
    with pytest.raises(EndpointError, match='token_file ".*empty": cannot read a token'):
        resolve_endpoint("127.0.0.1:1", token_file=str(empty))
    with pytest.raises(EndpointError, match="cannot read a token"):
        resolve_endpoint("127.0.0.1:1", token_file=str(tmp_path / "absent"))
    spaced = tmp_path / "spaced"
    spaced.write_text("two words\n")
    with pytest.raises(EndpointError, match="spaces or control characters") as raised:
        resolve_endpoint("127.0.0.1:1", token_file=str(spaced))
    assert "words" not in str(raised.value)
    with pytest.raises(EndpointError, match="not both"):
        resolve_endpoint("127.0.0.1:1", token="a", token_file=str(spaced))


def test_the_token_is_read_trimmed_and_never_shown(tmp_path):
    path = tmp_path / "token"
    path.write_text(f"{TOKEN}\n")
    endpoint = resolve_endpoint("127.0.0.1:1", token_file=str(path))
    assert endpoint.authorization() == (("authorization", f"Bearer {TOKEN}"),)
    assert TOKEN not in repr(endpoint) and TOKEN not in str(endpoint)
    assert "[REDACTED]" in repr(endpoint)


def test_the_environment_fills_what_is_not_given_and_errors_name_it(pki, tmp_path):
    environ = {"CXONE_SERVER": "https://gw.example.com",
               "CXONE_TLS_CA": pki["ca"].cert_file,
               "CXONE_TOKEN_FILE": str(tmp_path / "absent")}
    with pytest.raises(EndpointError, match=r'\$CXONE_TOKEN_FILE \(token_file\) ".*absent"'):
        resolve_endpoint(environ=environ)
    endpoint = resolve_endpoint(token="given", environ=environ)
    assert (endpoint.target, endpoint.tls, endpoint.token) == ("gw.example.com:443", True,
                                                               "given")
    assert endpoint.ca_pem is not None
    # An option given beats its variable; no environ reads none.
    assert resolve_endpoint("127.0.0.1:2", token="t", environ=environ).target == "127.0.0.1:2"
    assert not resolve_endpoint("127.0.0.1:2").tls
    assert resolve_endpoint(environ={}).target == "127.0.0.1:50051"


def test_a_channel_takes_no_tls_options(pki):
    import grpc

    channel = grpc.insecure_channel("127.0.0.1:1")
    try:
        with pytest.raises(EndpointError, match="its own credentials"):
            cxone_compile.Client(channel=channel, tls_ca=pki["ca"].cert_file)
    finally:
        channel.close()


# --- against the gateway ---


def test_tls_with_the_gateways_ca_compiles(start_stack, pki):
    stack = start_stack(server_args=tls_args(pki))
    with cxone_compile.Client(https(stack), tls_ca=pki["ca"].cert_file) as client:
        result = client.start_and_wait("main-menu", request_id="tls-1", timeout=WAIT)
        assert result.state == State.COMPLETED
        assert client.get(result.name, timeout=WAIT) == result


def test_tls_refuses_a_client_trusting_another_ca_or_plaintext(start_stack, pki):
    stack = start_stack(server_args=tls_args(pki))
    with cxone_compile.Client(https(stack), tls_ca=pki["other_ca"].cert_file) as client:
        assert_refused(client, cxone_compile.UnavailableError)
    with cxone_compile.Client(stack.gateway.address) as client:
        assert_refused(client, cxone_compile.UnavailableError)


def test_mtls_refuses_a_client_without_a_certificate(start_stack, pki):
    stack = start_stack(server_args=tls_args(pki, mtls=True))
    with cxone_compile.Client(https(stack), tls_ca=pki["ca"].cert_file) as client:
        assert_refused(client, cxone_compile.UnavailableError)


def test_mtls_with_a_client_certificate_watches_to_the_end(start_stack, pki):
    stack = start_stack(server_args=tls_args(pki, mtls=True))
    with cxone_compile.Client(
        stack.gateway.address,  # HOST:PORT: TLS because of the files
        tls_ca=pki["ca"].cert_file,
        tls_cert=pki["client"].cert_file,
        tls_key=pki["client"].key_file,
    ) as client:
        started = client.start("main-menu", request_id="mtls-1", timeout=WAIT)
        events = list(client.watch(started.name, timeout=WAIT))
        assert events[-1].state == State.COMPLETED


def test_a_tokens_file_gateway_wants_the_right_token(start_stack, pki, tmp_path):
    tokens = write_tokens_file(tmp_path / "tokens", {"deployer": TOKEN})
    stack = start_stack(server_args=tls_args(pki, tokens_file=tokens))
    ca = pki["ca"].cert_file
    with cxone_compile.Client(https(stack), tls_ca=ca) as client:
        error = assert_refused(client, cxone_compile.UnauthenticatedError)
        assert TOKEN not in str(error)
    with cxone_compile.Client(https(stack), tls_ca=ca, token="wrong-token") as client:
        assert_refused(client, cxone_compile.UnauthenticatedError)
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    with cxone_compile.Client(https(stack), tls_ca=ca, token_file=str(token_file)) as client:
        assert_refused(client, cxone_compile.NotFoundError)  # got through
        result = client.start_and_wait("main-menu", request_id="token-1", timeout=WAIT)
        assert result.state == State.COMPLETED
    assert not any(TOKEN in line for line in stack.gateway.lines())


def test_connect_honours_the_clis_environment_variables(start_stack, pki, tmp_path,
                                                        monkeypatch):
    tokens = write_tokens_file(tmp_path / "tokens", {"deployer": TOKEN})
    stack = start_stack(server_args=tls_args(pki, mtls=True, tokens_file=tokens))
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN)
    monkeypatch.setenv("CXONE_SERVER", https(stack))
    monkeypatch.setenv("CXONE_TLS_CA", pki["ca"].cert_file)
    monkeypatch.setenv("CXONE_TLS_CERT", pki["client"].cert_file)
    monkeypatch.setenv("CXONE_TLS_KEY", pki["client"].key_file)
    monkeypatch.setenv("CXONE_TOKEN_FILE", str(token_file))
    # Through mTLS (else UNAVAILABLE), as the token's principal (the audit
    # log line says).
    with cxone_compile.connect() as client:
        result = client.start_and_wait("main-menu", request_id="env-1", timeout=WAIT)
        assert result.state == State.COMPLETED
    stack.gateway.process.wait_for_line(lambda line: '"token:deployer"' in line,
                                        REFUSED_WITHIN)
    # A Client itself reads no variable: without a certificate, refused.
    with cxone_compile.Client(https(stack), tls_ca=pki["ca"].cert_file) as client:
        assert_refused(client, cxone_compile.UnavailableError)
    # A token given beats $CXONE_TOKEN_FILE: the wrong one is refused.
    with cxone_compile.connect(token="wrong-token") as client:
        assert_refused(client, cxone_compile.UnauthenticatedError)
    # The async client's connect reads them too.

    async def get_over_aio() -> None:
        async with cxone_compile.aio.connect() as client:
            with pytest.raises(cxone_compile.NotFoundError):
                await client.get(MISSING, timeout=REFUSED_WITHIN)

    asyncio.run(get_over_aio())
    monkeypatch.setenv("CXONE_TLS_KEY", str(Path(pki["dir"]) / "absent.key"))
    with pytest.raises(EndpointError, match=r"\$CXONE_TLS_KEY \(tls_key\)"):
        cxone_compile.connect()


def test_the_readme_snippet_makes_the_clients_it_shows(pki, tmp_path, monkeypatch):
    from test_collection import readme_blocks

    (snippet,) = [block for block in readme_blocks() if "tls_ca=" in block]
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN)
    # The snippet's files, made here; no gateway is called.
    for name, path in {"/etc/cxone/ca.pem": pki["ca"].cert_file,
                       '"ci.pem"': f'"{pki["client"].cert_file}"',
                       '"ci.key"': f'"{pki["client"].key_file}"',
                       "/run/secrets/cxone-token": str(token_file)}.items():
        assert name in snippet
        snippet = snippet.replace(name, path)
    for variable in ("CXONE_SERVER", "CXONE_TLS_CA", "CXONE_TLS_CERT", "CXONE_TLS_KEY",
                     "CXONE_TOKEN_FILE"):
        monkeypatch.delenv(variable, raising=False)
    scope = {"cxone_compile": cxone_compile}
    exec(compile(snippet, "README.md", "exec"), scope)
    scope["client"].close()
