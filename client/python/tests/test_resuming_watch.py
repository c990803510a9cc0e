"""The watch's resuming rules, against an in-process fake gateway whose every
WatchCompile stream follows a script: what is retried, what the next
stream asks for, and that nothing is delivered twice."""

from __future__ import annotations

import asyncio
import random
import threading
import time
from concurrent import futures
from typing import Callable, Iterator, List, Optional

import grpc
import pytest

import cxone_compile
from cxone_compile import EventType, State
from cxone_compile.aio import AsyncClient
from cxone_compile.v1 import compile_pb2, compile_pb2_grpc

NAME = "flows/f/compiles/c1"
FAST = cxone_compile.WatchRetry(initial_delay=0.01, max_delay=0.05, max_reconnects=3)

Script = Callable[[compile_pb2.WatchCompileRequest, grpc.ServicerContext],
                  Iterator[compile_pb2.CompileEvent]]


def event(sequence: int, state: State = State.IN_PROGRESS, *,
          heartbeat: Optional[float] = None,
          type_: EventType = EventType.STATE_CHANGED) -> compile_pb2.CompileEvent:
    made = compile_pb2.CompileEvent(
        sequence=sequence, type=type_, state=state, name=NAME,
        resume_after_sequence=sequence)
    if heartbeat is not None:
        made.heartbeat_interval.FromNanoseconds(int(heartbeat * 1e9))
    return made


class FakeGateway(compile_pb2_grpc.CompileServiceServicer):
    def __init__(self, scripts: List[Script]) -> None:
        self._scripts = list(scripts)
        self.requests: List[compile_pb2.WatchCompileRequest] = []
        self._lock = threading.Lock()

    def WatchCompile(self, request, context):
        with self._lock:
            self.requests.append(request)
            script = self._scripts.pop(0) if self._scripts else None
        if script is None:
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, "no script left")
        yield from script(request, context)


@pytest.fixture
def fake():
    servers = []

    def start(scripts: List[Script]) -> "tuple[FakeGateway, str]":
        gateway = FakeGateway(scripts)
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        compile_pb2_grpc.add_CompileServiceServicer_to_server(gateway, server)
        port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        servers.append(server)
        return gateway, f"127.0.0.1:{port}"

    yield start
    for server in servers:
        server.stop(None)


def sends(*events: compile_pb2.CompileEvent, then: Optional[grpc.StatusCode] = None,
          message: str = "") -> Script:
    def script(request, context):
        yield from events
        if then is not None:
            context.abort(then, message)
    return script


def falls_silent(*events: compile_pb2.CompileEvent) -> Script:
    def script(request, context):
        yield from events
        ended = threading.Event()
        context.add_callback(ended.set)
        ended.wait(30)  # until the client cancels
    return script


def after_sequences(gateway: FakeGateway) -> List[Optional[int]]:
    return [r.after_sequence if r.HasField("after_sequence") else None
            for r in gateway.requests]


def watch_all(address: str, **kwargs) -> List[compile_pb2.CompileEvent]:
    with cxone_compile.Client(address, watch_retry=FAST, rng=random.Random(1)) as client:
        return list(client.watch(NAME, timeout=20, **kwargs))


def test_a_broken_stream_resumes_after_the_last_sequence_received(fake):
    gateway, address = fake([
        sends(event(1, heartbeat=5), event(2), then=grpc.StatusCode.UNAVAILABLE,
              message="server draining; resume with after_sequence=2"),
        sends(event(3), event(4, State.COMPLETED)),
    ])
    events = watch_all(address)
    assert [e.sequence for e in events] == [1, 2, 3, 4]
    assert after_sequences(gateway) == [None, 2]


def test_replayed_events_are_not_delivered_twice(fake):
    gateway, address = fake([
        sends(event(1, heartbeat=5), event(2), then=grpc.StatusCode.INTERNAL),
        # A gateway that replays what the cursor already holds.
        sends(event(1), event(2), event(3, State.FAILED)),
    ])
    assert [e.sequence for e in watch_all(address)] == [1, 2, 3]


def test_a_silent_stream_is_resumed_after_twice_the_heartbeat_interval(fake, client_log):
    gateway, address = fake([
        falls_silent(event(1, heartbeat=0.1)),
        sends(event(2, State.COMPLETED, heartbeat=0.1)),
    ])
    began = time.monotonic()
    events = watch_all(address)
    assert [e.sequence for e in events] == [1, 2]
    assert after_sequences(gateway) == [None, 1]
    assert time.monotonic() - began >= 0.2
    assert client_log.count("twice the heartbeat interval") == 1


def test_a_slow_consumer_does_not_make_the_stream_look_silent(fake):
    gateway, address = fake([
        sends(event(1, heartbeat=0.1), event(2), event(3, State.COMPLETED)),
    ])
    with cxone_compile.Client(address, watch_retry=FAST) as client:
        sequences = []
        for got in client.watch(NAME, timeout=20):
            sequences.append(got.sequence)
            time.sleep(0.3)  # longer than twice the heartbeat interval
    assert sequences == [1, 2, 3]
    assert len(gateway.requests) == 1


def test_lost_events_are_replaced_by_a_snapshot(fake, client_log):
    gateway, address = fake([
        sends(event(1, heartbeat=5), then=grpc.StatusCode.UNAVAILABLE),
        sends(then=grpc.StatusCode.OUT_OF_RANGE, message="events 1 to 4 are no longer retained"),
        sends(event(7, State.COMPLETED, type_=EventType.SNAPSHOT, heartbeat=5)),
    ])
    events = watch_all(address)
    assert [(e.sequence, e.type) for e in events] == [
        (1, EventType.STATE_CHANGED), (7, EventType.SNAPSHOT)]
    assert after_sequences(gateway) == [None, 1, None]
    assert client_log.count("watching it again from a snapshot") == 1


def test_errors_that_would_repeat_are_raised_at_once(fake):
    gateway, address = fake([
        sends(event(1, heartbeat=5), then=grpc.StatusCode.PERMISSION_DENIED,
              message="missing scope flow:read"),
    ])
    with pytest.raises(cxone_compile.PermissionDeniedError, match="flow:read"):
        watch_all(address)
    assert len(gateway.requests) == 1


def test_it_gives_up_after_max_reconnects_that_received_nothing(fake):
    gateway, address = fake([sends(then=grpc.StatusCode.UNAVAILABLE)] * 10)
    with pytest.raises(cxone_compile.UnavailableError, match="giving up after 3"):
        watch_all(address)
    assert len(gateway.requests) == 4  # the first and three reconnects


def test_a_stream_ending_ok_without_a_result_is_an_error(fake):
    gateway, address = fake([sends(event(1, heartbeat=5))])
    with pytest.raises(cxone_compile.GatewayError, match="without a result") as got:
        watch_all(address)
    assert got.value.code == grpc.StatusCode.UNKNOWN


def test_markers_are_hidden_unless_asked_but_move_the_cursor(fake):
    synced = event(0, State.UNSPECIFIED, type_=EventType.SYNCED, heartbeat=5)
    synced.resume_after_sequence = 9
    scripts = lambda: [  # noqa: E731
        sends(synced, then=grpc.StatusCode.UNAVAILABLE),
        sends(event(10, State.COMPLETED)),
    ]
    gateway, address = fake(scripts())
    assert [e.sequence for e in watch_all(address, after_sequence=9)] == [10]
    assert after_sequences(gateway) == [9, 9]
    gateway, address = fake(scripts())
    assert [e.type for e in watch_all(address, after_sequence=9, include_markers=True)] == [
        EventType.SYNCED, EventType.STATE_CHANGED]


def test_the_async_client_resumes_a_silent_stream_too(fake):
    gateway, address = fake([
        falls_silent(event(1, heartbeat=0.1)),
        sends(event(2, State.COMPLETED)),
    ])

    async def run() -> List[int]:
        async with AsyncClient(address, watch_retry=FAST) as client:
            return [e.sequence async for e in client.watch(NAME, timeout=20)]

    assert asyncio.run(run()) == [1, 2]
    assert after_sequences(gateway) == [None, 1]
