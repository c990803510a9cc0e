"""The client against the real gateway and simulator, started per test:
what a pipeline relies on — results with line and column, errors as
exceptions with their code, watches that survive cut connections and
gateway restarts with nothing missed or repeated, starts retried safely."""

from __future__ import annotations

import asyncio
import json
import math
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import List

import grpc
import pytest

import cxone_compile
from cxone_compile import ErrorCategory, EventType, State
from cxone_compile.aio import AsyncClient
from conftest import CHATTY_SERVER_ARGS, CHATTY_SIM_ARGS
from harness import wait_until

WAIT = 60.0


def logged_sequences(events: List[cxone_compile.CompileEvent]) -> List[int]:
    return [e.sequence for e in events if not EventType(e.type).marker]


def assert_each_event_once(events: List[cxone_compile.CompileEvent]) -> None:
    """Every logged event exactly once, in order, ending COMPLETED."""
    sequences = logged_sequences(events)
    assert len(sequences) >= 10, sequences
    # The first may be a snapshot of events before it; from there on, one
    # apart.
    assert sequences == list(range(sequences[0], sequences[0] + len(sequences)))
    assert events[-1].state == State.COMPLETED


def test_start_and_wait_returns_the_completed_compile(stack):
    with cxone_compile.Client(stack.gateway.address) as client:
        result = client.start_and_wait("main-menu", timeout=WAIT)
        assert result.state == State.COMPLETED
        assert result.name.startswith("flows/main-menu/compiles/")
        assert list(result.errors) == []
        # What it returns is what GetCompile says of the finished compile.
        assert client.get(result.name) == result


def test_syntax_error_fails_with_the_line_and_column(stack):
    with cxone_compile.Client(stack.gateway.address) as client:
        result = client.start_and_wait("syntax-error", timeout=WAIT)
    assert result.state == State.FAILED
    assert len(result.errors) == 1
    error = result.errors[0]
    assert error.category == ErrorCategory.SYNTAX
    assert error.code == "SYNTAX_ERROR"
    assert (error.location.line, error.location.column) == (13, 7)
    assert "missing ','" in error.message


def test_a_watch_yields_every_event_once_without_markers(stack):
    with cxone_compile.Client(stack.gateway.address) as client:
        started = client.start("broken-refs")
        events = list(client.watch(started.name, timeout=WAIT))
    assert events[0].type == EventType.SNAPSHOT
    assert all(not EventType(e.type).marker for e in events)
    sequences = logged_sequences(events)
    assert sequences == list(range(sequences[0], sequences[0] + len(sequences)))
    last = events[-1]
    assert last.state == State.FAILED
    assert [(e.location.line, e.location.column) for e in last.errors] == [
        (16, 14),
        (19, 5),
        (26, 15),
        (29, 13),
    ]
    assert [w.code for w in last.warnings] == ["UNREACHABLE_NODE"]


def test_markers_come_only_when_asked_and_state_the_heartbeat(stack):
    with cxone_compile.Client(stack.gateway.address) as client:
        started = client.start("main-menu")
        events = list(client.watch(started.name, include_markers=True, timeout=WAIT))
    synced = [e for e in events if e.type == EventType.SYNCED]
    assert synced, events
    assert synced[0].heartbeat_interval.ToTimedelta().total_seconds() > 0
    assert events[-1].state == State.COMPLETED


def test_a_watch_by_flow_follows_its_newest_compile(stack):
    with cxone_compile.Client(stack.gateway.address) as client:
        started = client.start("main-menu")
        events = list(client.watch(flow_id="main-menu", timeout=WAIT))
    assert {e.name for e in events} == {started.name}
    assert events[-1].state == State.COMPLETED


def test_watching_after_the_last_event_of_a_finished_compile_yields_nothing(stack):
    with cxone_compile.Client(stack.gateway.address) as client:
        result = client.start_and_wait("main-menu", timeout=WAIT)
        last = list(client.watch(result.name, after_sequence=0, timeout=WAIT))[-1]
        assert list(client.watch(result.name, after_sequence=last.sequence)) == []
        assert list(client.watch(result.name, after_sequence=2**64 - 1)) == []


def test_unknown_compiles_raise_not_found_with_the_code(stack):
    missing = "flows/main-menu/compiles/missing"
    with cxone_compile.Client(stack.gateway.address) as client:
        with pytest.raises(cxone_compile.NotFoundError) as got:
            client.get(missing)
        assert got.value.code == grpc.StatusCode.NOT_FOUND
        assert got.value.message
        assert isinstance(got.value, cxone_compile.GatewayError)
        with pytest.raises(cxone_compile.NotFoundError):
            next(client.watch(missing, timeout=WAIT))


def test_malformed_requests_raise_invalid_argument_naming_the_field(stack):
    with cxone_compile.Client(stack.gateway.address) as client:
        with pytest.raises(cxone_compile.InvalidArgumentError) as got:
            client.start("not a flow id!")
        assert got.value.code == grpc.StatusCode.INVALID_ARGUMENT
        assert "flow_id" in got.value.message
        with pytest.raises(cxone_compile.InvalidArgumentError):
            client.get("not-a-compile-name")
        with pytest.raises(cxone_compile.InvalidArgumentError) as got:
            client.start("main-menu", directives={"a": {"b": [1, 2, math.nan]}})
        assert "directives.a.b[2]" in got.value.message


def test_directives_reach_cxone_unchanged(stack):
    with cxone_compile.Client(stack.gateway.address) as client:
        client.start("directed", directives={"optimize": True, "tags": ["a", "b"]})
    (compile_,) = stack.sim.compiles_of("directed")
    assert compile_["directives"] == {"optimize": True, "tags": ["a", "b"]}


def test_every_call_names_its_caller(stack):
    with cxone_compile.Client(stack.gateway.address, caller="pytest-bot") as client:
        client.start("main-menu")
    wait_until(
        lambda: any('"caller":"pytest-bot"' in line for line in stack.gateway.lines()),
        10,
        "an audit line naming the caller",
    )


def test_start_and_wait_gives_up_at_its_timeout(stack):
    with cxone_compile.Client(stack.gateway.address) as client:
        began = time.monotonic()
        with pytest.raises(cxone_compile.DeadlineExceededError) as got:
            client.start_and_wait("main-menu", timeout=0.3)
        assert time.monotonic() - began < 5
        assert isinstance(got.value, TimeoutError)
        assert got.value.code == grpc.StatusCode.DEADLINE_EXCEEDED
        # The message names the compile, so that the caller can go on.
        name = got.value.message.split()[0]
        assert name.startswith("flows/main-menu/compiles/"), got.value.message
        assert list(client.watch(name, timeout=WAIT))[-1].state == State.COMPLETED


def test_a_watch_survives_cut_connections_missing_and_repeating_nothing(
    start_stack, proxy_to, client_log
):
    stack = start_stack(CHATTY_SIM_ARGS, CHATTY_SERVER_ARGS)
    proxy = proxy_to(stack.gateway.port)
    events: List[cxone_compile.CompileEvent] = []
    with cxone_compile.Client(f"127.0.0.1:{proxy.port}") as client:
        started = client.start("chatty")
        watch = client.watch(started.name, timeout=WAIT)
        # Cut twice while events flow: a few events in, and again after the
        # first reconnect has delivered more.
        for cut_after in (4, 12):
            while len(events) < cut_after:
                events.append(next(watch))
            proxy.break_all()
        events += list(watch)
    assert proxy.accepted >= 3  # the first connection and two more
    assert client_log.count("reconnecting") >= 2, client_log.messages
    assert_each_event_once(events)


# A chatty compile for 4 s, with heartbeats every 300 ms: a stream silent
# for 600 ms is dead.
WEDGE_SIM_ARGS = ("--queued-ms=100", "--in-progress-ms=4000", "--chatty-flows=chatty")
WEDGE_SERVER_ARGS = CHATTY_SERVER_ARGS + ("--heartbeat-interval=300ms",)
# Well under what the channel's keepalive needs to notice a wedged
# connection (30 s + 10 s): only a new connection finishes in time.
WEDGE_TIMEOUT = 20.0


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_a_watch_leaves_a_wedged_connection_for_a_new_one(
    start_stack, proxy_to, client_log, flavour
):
    stack = start_stack(WEDGE_SIM_ARGS, WEDGE_SERVER_ARGS)
    proxy = proxy_to(stack.gateway.port)
    address = f"127.0.0.1:{proxy.port}"
    events: List[cxone_compile.CompileEvent] = []
    failures: List[BaseException] = []
    lock = threading.Lock()

    def got(event: cxone_compile.CompileEvent) -> None:
        with lock:
            events.append(event)

    def received() -> int:
        with lock:
            return len(events)

    async def follow_async() -> None:
        async with AsyncClient(address) as client:
            started = await client.start("chatty")
            async for event in client.watch(started.name, timeout=WEDGE_TIMEOUT):
                got(event)

    def follow() -> None:
        try:
            if flavour == "async":
                asyncio.run(follow_async())
                return
            with cxone_compile.Client(address) as client:
                started = client.start("chatty")
                for event in client.watch(started.name, timeout=WEDGE_TIMEOUT):
                    got(event)
        except BaseException as error:  # reported by the test's thread
            failures.append(error)

    began = time.monotonic()
    watcher = threading.Thread(target=follow, daemon=True)
    watcher.start()
    try:
        # Twice: the second wedge hits the connection the first reconnect
        # opened, once events flow over it.
        for wedge in (1, 2):
            flowing = received() + 4
            wait_until(lambda: received() >= flowing or not watcher.is_alive(), WAIT,
                       f"events before wedge {wedge}")
            assert watcher.is_alive(), (failures, received())
            connections = proxy.accepted
            proxy.wedge()
            wait_until(lambda: proxy.accepted > connections, 10,
                       f"a new connection after wedge {wedge}")
    finally:
        watcher.join(WEDGE_TIMEOUT + 10)
    assert not watcher.is_alive()
    assert not failures, failures
    assert time.monotonic() - began < WEDGE_TIMEOUT
    assert proxy.accepted >= 3  # the first connection and one per wedge
    assert client_log.count("twice the heartbeat interval") >= 2, client_log.messages
    assert_each_event_once(events)


def test_channels_the_clients_open_never_share_a_connection(stack, proxy_to):
    # gRPC would otherwise give a second channel to the same address the
    # first one's connection: a channel that replaces one after a silent
    # watch would get the old, maybe wedged, connection back.
    proxy = proxy_to(stack.gateway.port)
    address = f"127.0.0.1:{proxy.port}"
    with cxone_compile.Client(address) as first, cxone_compile.Client(address) as second:
        for client in (first, second):
            with pytest.raises(cxone_compile.NotFoundError):
                client.get("flows/x/compiles/missing", timeout=WAIT)
        assert proxy.accepted == 2


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGKILL])
def test_a_watch_survives_a_gateway_restart_missing_and_repeating_nothing(
    start_stack, client_log, stop_signal
):
    stack = start_stack(CHATTY_SIM_ARGS, CHATTY_SERVER_ARGS)
    events: List[cxone_compile.CompileEvent] = []
    with cxone_compile.Client(stack.gateway.address) as client:
        started = client.start("chatty")
        watch = client.watch(started.name, timeout=WAIT)
        while len(events) < 5:
            events.append(next(watch))
        stack.gateway.stop(stop_signal)
        stack.gateway.restart()  # the same port and state directory
        events += list(watch)
    assert client_log.count("reconnecting") >= 1, client_log.messages
    if stop_signal == signal.SIGTERM:
        # A draining gateway says where to resume; the client did.
        assert client_log.count("server draining") >= 1, client_log.messages
    assert_each_event_once(events)


def test_a_start_with_a_request_id_is_retried_across_a_gateway_restart_and_starts_once(
    start_stack, client_log
):
    # Long compiles: the restarted gateway's recovery finds this one still
    # running and adopts it rather than starting another.
    stack = start_stack(("--queued-ms=300", "--in-progress-ms=20000"))
    # CXone takes its time to answer the trigger: the gateway is killed
    # while the start is in flight, after CXone started the compile.
    stack.sim.post("/_sim/faults", {"trigger_answer_delay_ms": 2000})
    outcome: dict = {}

    def start() -> None:
        with cxone_compile.Client(stack.gateway.address) as client:
            try:
                outcome["compile"] = client.start(
                    "main-menu", request_id="py-retry-1", timeout=WAIT
                )
            except cxone_compile.GatewayError as error:  # pragma: no cover
                outcome["error"] = error

    starter = threading.Thread(target=start)
    starter.start()
    try:
        wait_until(lambda: len(stack.sim.compiles_of("main-menu")) == 1, 10,
                   "CXone to start the compile")
        stack.gateway.stop(signal.SIGKILL)
        # The lost call and at least one more that found no gateway.
        wait_until(lambda: client_log.count("retrying") >= 2, 10,
                   "the client to retry while the gateway is down")
        stack.gateway.restart()
    finally:
        starter.join(WAIT)
    assert not starter.is_alive()
    assert "error" not in outcome, outcome
    sim_compiles = stack.sim.compiles_of("main-menu")
    assert len(sim_compiles) == 1, sim_compiles
    assert outcome["compile"].compile_id == sim_compiles[0]["compileId"]
    # The same key again: the same compile, still one upstream.
    stack.sim.post("/_sim/faults", {"trigger_answer_delay_ms": 0})
    with cxone_compile.Client(stack.gateway.address) as client:
        again = client.start("main-menu", request_id="py-retry-1", timeout=WAIT)
    assert again.name == outcome["compile"].name
    assert len(stack.sim.compiles_of("main-menu")) == 1


def test_a_start_without_a_request_id_is_never_retried(stack, client_log):
    stack.gateway.stop(signal.SIGKILL)
    with cxone_compile.Client(stack.gateway.address) as client:
        with pytest.raises(cxone_compile.UnavailableError):
            client.start("main-menu", timeout=WAIT)
    assert client_log.count("retrying") == 0


def test_the_async_client_waits_and_resumes_too(start_stack, proxy_to, client_log):
    stack = start_stack(CHATTY_SIM_ARGS, CHATTY_SERVER_ARGS)
    proxy = proxy_to(stack.gateway.port)

    async def run() -> List[cxone_compile.CompileEvent]:
        async with AsyncClient(f"127.0.0.1:{proxy.port}") as client:
            failed = await client.start_and_wait("syntax-error", timeout=WAIT)
            assert failed.state == State.FAILED
            assert failed.errors[0].location.line == 13
            with pytest.raises(cxone_compile.NotFoundError):
                await client.get("flows/x/compiles/missing")
            started = await client.start("chatty")
            events: List[cxone_compile.CompileEvent] = []
            async for event in client.watch(started.name, timeout=WAIT):
                events.append(event)
                if len(events) == 5:
                    proxy.break_all()
            return events

    events = asyncio.run(run())
    assert client_log.count("reconnecting") >= 1, client_log.messages
    assert_each_event_once(events)


def test_the_throughput_bench_prints_one_json_line(start_stack):
    stack = start_stack(CHATTY_SIM_ARGS, CHATTY_SERVER_ARGS)
    with cxone_compile.Client(stack.gateway.address) as client:
        started = client.start("chatty")
    bench = Path(__file__).resolve().parents[1] / "bench" / "watch_throughput.py"
    # The bench imports the package this test imported (installed or not).
    package_root = str(Path(cxone_compile.__file__).resolve().parents[1])
    run = subprocess.run(
        [sys.executable, str(bench), "--server", stack.gateway.address,
         "--name", started.name],
        capture_output=True, text=True, timeout=WAIT, check=True,
        env={**os.environ, "PYTHONPATH": package_root},
    )
    (line,) = run.stdout.splitlines()
    figures = json.loads(line)
    assert figures["client"] == "python"
    assert figures["events"] >= 10
    assert set(figures) == {"client", "events", "seconds", "events_per_second",
                            "cpu_seconds_per_1000_events"}


def test_the_readme_example_runs_as_written(stack, capsys):
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    example = readme.split("```python\n", 1)[1].split("```", 1)[0]
    assert '"127.0.0.1:50051"' in example
    code = example.replace('"127.0.0.1:50051"', repr(stack.gateway.address))
    with pytest.raises(SystemExit) as exited:
        exec(compile(code, "README.md", "exec"), {})
    assert exited.value.code == 1
    assert capsys.readouterr().out.startswith("syntax-error:13:7: expected ',' or '}'")
