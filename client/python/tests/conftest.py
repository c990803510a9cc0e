"""Fixtures: the binaries (from the environment, as ctest passes them) and a
factory of simulator + gateway stacks that stops whatever it started."""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
from typing import Callable, Iterator, List, Optional, Sequence

import pytest

from harness import Gateway, Simulator, TcpProxy

# As the C++ harness: phases long enough that a poll every 50 ms sees each
# of them on a loaded machine.
DEFAULT_SIM_ARGS = ("--queued-ms=300", "--in-progress-ms=1500")
DEFAULT_SERVER_ARGS = (
    "--poll-interval=50ms",
    "--queued-poll-interval=50ms",
    "--min-poll-interval=50ms",
    "--upstream-rps=200",
    "--upstream-burst=20",
)
# A chatty compile: a new upstream status, so a new event, on every 30 ms
# poll for 3 s.
CHATTY_SIM_ARGS = ("--queued-ms=100", "--in-progress-ms=3000", "--chatty-flows=chatty")
CHATTY_SERVER_ARGS = DEFAULT_SERVER_ARGS + (
    "--poll-interval=30ms",
    "--min-poll-interval=30ms",
    "--upstream-rps=500",
    "--upstream-burst=50",
)


def _required_env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(
            f"${name} is not set: the tests need CXONE_SERVER_BINARY, "
            "CXONE_SIM_BINARY and CXONE_SOURCE_DIR (ctest sets them)"
        )
    return value


@dataclasses.dataclass
class Stack:
    sim: Simulator
    gateway: Gateway


@pytest.fixture
def start_stack(tmp_path) -> Iterator[Callable[..., Stack]]:
    """start_stack(sim_args=..., server_args=...) starts a simulator and a
    gateway (state in a fresh directory); all are stopped after the test."""
    started: List[object] = []

    def start(
        sim_args: Sequence[str] = DEFAULT_SIM_ARGS,
        server_args: Sequence[str] = DEFAULT_SERVER_ARGS,
    ) -> Stack:
        sim = Simulator(
            _required_env("CXONE_SIM_BINARY"),
            _required_env("CXONE_SOURCE_DIR"),
            sim_args,
        )
        started.append(sim)
        state_dir = tmp_path / f"state-{len(started)}"
        state_dir.mkdir()
        gateway = Gateway(
            _required_env("CXONE_SERVER_BINARY"), sim.url, str(state_dir), server_args
        )
        started.append(gateway)
        return Stack(sim, gateway)

    yield start
    for item in reversed(started):
        if isinstance(item, Gateway):
            item.close()
        elif isinstance(item, Simulator):
            item.stop()


@pytest.fixture
def stack(start_stack) -> Stack:
    return start_stack()


@pytest.fixture
def proxy_to() -> Iterator[Callable[[int], TcpProxy]]:
    proxies: List[TcpProxy] = []

    def make(port: int) -> TcpProxy:
        proxy = TcpProxy(port)
        proxies.append(proxy)
        return proxy

    yield make
    for proxy in proxies:
        proxy.close()


class LogWatch(logging.Handler):
    """Collects the cxone_compile logger's messages; tests wait on them."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self._cond = threading.Condition()
        self.messages: List[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        with self._cond:
            self.messages.append(record.getMessage())
            self._cond.notify_all()

    def wait_for(self, text: str, timeout: float) -> str:
        def found() -> Optional[str]:
            return next((m for m in self.messages if text in m), None)

        with self._cond:
            if not self._cond.wait_for(lambda: found() is not None, timeout):
                raise AssertionError(
                    f"no log message with {text!r} within {timeout:g}s: {self.messages}"
                )
            message = found()
            assert message is not None
            return message

    def count(self, text: str) -> int:
        with self._cond:
            return sum(text in m for m in self.messages)


@pytest.fixture
def client_log() -> Iterator[LogWatch]:
    handler = LogWatch()
    logger = logging.getLogger("cxone_compile")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.DEBUG)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(old_level)
