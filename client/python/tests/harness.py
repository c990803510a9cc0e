"""The real simulator and gateway as child processes on loopback, and a TCP
proxy a test can cut — the Python twin of tests/support/gateway_harness.cc
and tests/support/tcp_proxy.cc.

Both servers listen on port 0; the bound ports are read from their log
lines ("cxone-sim listening on HOST:PORT", the gateway's JSON
"listening" line). Every wait has a deadline; whoever starts a process or a
proxy stops it (the pytest fixtures do, whatever the test's outcome).
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from typing import Any, Callable, Dict, List, Optional, Sequence

START_TIMEOUT = 30.0

# The client secret both processes get (≥ 16 characters, as the gateway
# requires).
CLIENT_SECRET = "harness-s3cret-7f1d-python"
CLIENT_ID = "harness-client"


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    """Polls ``predicate`` until it holds; fails naming ``what`` after
    ``timeout`` seconds."""
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= end:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(0.02)


class ChildProcess:
    """A process whose merged stdout and stderr are collected line by line."""

    def __init__(self, argv: Sequence[str], env: Dict[str, str]) -> None:
        self.argv = list(argv)
        self._lines: List[str] = []
        self._eof = False
        self._cond = threading.Condition()
        self._process = subprocess.Popen(
            self.argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env={**os.environ, **env},
            text=True,
            errors="replace",
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            with self._cond:
                self._lines.append(line.rstrip("\n"))
                self._cond.notify_all()
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    def lines(self) -> List[str]:
        with self._cond:
            return list(self._lines)

    def wait_for_line(self, predicate: Callable[[str], bool], timeout: float) -> str:
        """The first line (printed so far or later) that ``predicate`` accepts."""
        end = time.monotonic() + timeout
        seen = 0
        with self._cond:
            while True:
                for line in self._lines[seen:]:
                    if predicate(line):
                        return line
                seen = len(self._lines)
                if self._eof:
                    raise AssertionError(
                        f"{self.argv[0]} exited ({self._process.poll()}) before the "
                        "awaited line:\n" + "\n".join(self._lines[-30:])
                    )
                left = end - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"no awaited line from {self.argv[0]} within {timeout:g}s:\n"
                        + "\n".join(self._lines[-30:])
                    )
                self._cond.wait(left)

    def signal(self, number: int) -> None:
        if self._process.poll() is None:
            self._process.send_signal(number)

    def wait(self, timeout: float) -> int:
        code = self._process.wait(timeout)
        self._reader.join(timeout)
        return code

    def stop(self) -> None:
        """Kills the process if it still runs, and reaps it."""
        if self._process.poll() is None:
            self._process.kill()
        self.wait(START_TIMEOUT)


def _port_after(line: str, marker: str) -> int:
    return int(line[line.rindex(marker) + len(marker) :].strip())


class Simulator:
    """cxone-sim with the repository's flows and the harness's credentials."""

    def __init__(self, binary: str, source_dir: str, extra_args: Sequence[str]) -> None:
        self.process = ChildProcess(
            [
                binary,
                "--port=0",
                f"--client-id={CLIENT_ID}",
                f"--flows-dir={source_dir}/simulator/flows",
                *extra_args,
            ],
            {"CXONE_SIM_CLIENT_SECRET": CLIENT_SECRET},
        )
        line = self.process.wait_for_line(
            lambda line: line.startswith("cxone-sim listening on "), START_TIMEOUT
        )
        self.port = _port_after(line, ":")
        self.url = f"http://127.0.0.1:{self.port}"

    def get(self, path: str) -> Any:
        with urllib.request.urlopen(self.url + path, timeout=10) as response:
            return json.load(response)

    def post(self, path: str, body: Any) -> Any:
        request = urllib.request.Request(
            self.url + path,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)

    def compiles_of(self, flow_id: str) -> List[Dict[str, Any]]:
        """The compiles the simulator started for ``flow_id``."""
        return [c for c in self.get("/_sim/compiles") if c.get("flowId") == flow_id]

    def stop(self) -> None:
        self.process.stop()


class Gateway:
    """cxone-compile-server in front of ``sim_url``, with its state in
    ``state_dir``. restart() brings it back on the same port and state dir."""

    def __init__(
        self, binary: str, sim_url: str, state_dir: str, extra_args: Sequence[str]
    ) -> None:
        self._binary = binary
        self._args = [
            "--metrics-listen=127.0.0.1:0",
            f"--client-id={CLIENT_ID}",
            f"--state-dir={state_dir}",
            f"--cxone-base-url={sim_url}",
            *extra_args,
        ]
        self.port = 0
        self.process: Optional[ChildProcess] = None
        self._earlier_lines: List[str] = []
        self._start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _start(self) -> None:
        self.process = ChildProcess(
            [self._binary, f"--listen=127.0.0.1:{self.port}", *self._args],
            {"CXONE_CLIENT_SECRET": CLIENT_SECRET},
        )
        line = self.process.wait_for_line(
            lambda line: '"msg":"listening"' in line, START_TIMEOUT
        )
        self.port = int(json.loads(line)["port"])

    def stop(self, number: int = signal.SIGKILL) -> int:
        """Stops the server with signal ``number`` and reaps it."""
        assert self.process is not None
        self.process.signal(number)
        code = self.process.wait(START_TIMEOUT)
        self._earlier_lines += self.process.lines()
        return code

    def restart(self) -> None:
        """Starts the server again, on the port it had."""
        self._start()

    def lines(self) -> List[str]:
        """Every line every server of this gateway printed so far."""
        assert self.process is not None
        return self._earlier_lines + self.process.lines()

    def close(self) -> None:
        if self.process is not None:
            self.process.stop()


class TcpProxy:
    """A loopback TCP forwarder to ``127.0.0.1:target_port``. break_all()
    resets every open connection; wedge() makes every open connection stop
    forwarding while staying open (a proxy or NAT that lost its state: the
    client's writes are accepted by TCP and nothing ever comes back). New
    connections are accepted and forwarded in both cases."""

    def __init__(self, target_port: int) -> None:
        self._target_port = target_port
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._open: List[socket.socket] = []
        # The sockets (both ends) of the wedged connections.
        self._wedged: List[socket.socket] = []
        self._pumps: List[threading.Thread] = []
        self._accepted = 0
        self._stopping = threading.Event()
        self._acceptor = threading.Thread(target=self._accept, daemon=True)
        self._acceptor.start()

    @property
    def accepted(self) -> int:
        with self._lock:
            return self._accepted

    def break_all(self) -> None:
        """Resets every connection open now."""
        with self._lock:
            for sock in self._open:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def wedge(self) -> None:
        """Stops forwarding on every connection open now, both ways,
        without closing it: what arrives stays unread until close()."""
        with self._lock:
            self._wedged += self._open

    def _is_wedged(self, client: socket.socket) -> bool:
        with self._lock:
            return client in self._wedged

    def close(self) -> None:
        self._stopping.set()
        self._acceptor.join()
        self.break_all()
        with self._lock:
            pumps = list(self._pumps)
        for pump in pumps:
            pump.join()
        self._listener.close()

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except socket.timeout:
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self._target_port))
            except OSError:
                client.close()
                continue
            with self._lock:
                self._accepted += 1
                self._open += [client, upstream]
                pump = threading.Thread(
                    target=self._pump, args=(client, upstream), daemon=True
                )
                self._pumps.append(pump)
            pump.start()

    def _pump(self, client: socket.socket, upstream: socket.socket) -> None:
        other = {client: upstream, upstream: client}
        with selectors.DefaultSelector() as selector:
            selector.register(client, selectors.EVENT_READ)
            selector.register(upstream, selectors.EVENT_READ)
            try:
                while True:
                    if self._is_wedged(client):
                        if self._stopping.wait(0.1):
                            return
                        continue
                    for key, _ in selector.select(timeout=0.1):
                        if self._is_wedged(client):
                            break  # wedged while waiting: leave it unread
                        sock = key.fileobj
                        assert isinstance(sock, socket.socket)
                        data = sock.recv(65536)
                        if not data:
                            return
                        other[sock].sendall(data)
                    if self._stopping.is_set():
                        return
            except OSError:
                return
            finally:
                with self._lock:
                    for sock in (client, upstream):
                        if sock in self._open:
                            self._open.remove(sock)
                        if sock in self._wedged:
                            self._wedged.remove(sock)
                        sock.close()
