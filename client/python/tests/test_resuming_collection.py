"""watch_compiles' resuming rules and list's paging, against an in-process
fake gateway whose every WatchCompiles stream and ListCompiles call follows
a script: what the next stream asks for, what is retried, and that nothing
is delivered twice."""

from __future__ import annotations

import asyncio
import itertools
import random
import threading
from concurrent import futures
from typing import Callable, Iterator, List, Optional

import grpc
import pytest

import cxone_compile
from cxone_compile import EventType, State
from cxone_compile.aio import AsyncClient
from cxone_compile.v1 import compile_pb2, compile_pb2_grpc

FAST = cxone_compile.WatchRetry(initial_delay=0.01, max_delay=0.05, max_reconnects=3)
FAST_LIST = cxone_compile.ListRetry(initial_delay=0.01, max_delay=0.05, max_attempts=3)

Script = Callable[[compile_pb2.WatchCompilesRequest, grpc.ServicerContext],
                  Iterator[compile_pb2.WatchCompilesResponse]]
PageScript = Callable[[compile_pb2.ListCompilesRequest, grpc.ServicerContext],
                      compile_pb2.ListCompilesResponse]


def change(revision: int, state: State = State.IN_PROGRESS, *,
           heartbeat: Optional[float] = None,
           flow: str = "f") -> compile_pb2.WatchCompilesResponse:
    name = f"flows/{flow}/compiles/c{revision}"
    made = compile_pb2.WatchCompilesResponse(
        event=compile_pb2.CompileEvent(
            sequence=1, type=EventType.STATE_CHANGED, state=state, name=name,
            revision=revision, resume_after_sequence=1),
        compile=compile_pb2.Compile(name=name, flow_id=flow, state=state,
                                    revision=revision),
        resume_after_revision=revision)
    if heartbeat is not None:
        made.heartbeat_interval.FromNanoseconds(int(heartbeat * 1e9))
    return made


def marker(type_: EventType, resume_after: int,
           heartbeat: float = 5) -> compile_pb2.WatchCompilesResponse:
    made = compile_pb2.WatchCompilesResponse(
        event=compile_pb2.CompileEvent(type=type_), resume_after_revision=resume_after)
    made.heartbeat_interval.FromNanoseconds(int(heartbeat * 1e9))
    return made


class FakeGateway(compile_pb2_grpc.CompileServiceServicer):
    def __init__(self, scripts: List[Script], pages: List[PageScript]) -> None:
        self._scripts = list(scripts)
        self._pages = list(pages)
        self.requests: List[compile_pb2.WatchCompilesRequest] = []
        self.list_requests: List[compile_pb2.ListCompilesRequest] = []
        self._lock = threading.Lock()

    def WatchCompiles(self, request, context):
        with self._lock:
            self.requests.append(request)
            script = self._scripts.pop(0) if self._scripts else None
        if script is None:
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, "no script left")
        yield from script(request, context)

    def ListCompiles(self, request, context):
        with self._lock:
            self.list_requests.append(request)
            page = self._pages.pop(0) if self._pages else None
        if page is None:
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, "no page left")
        return page(request, context)


@pytest.fixture
def fake():
    servers = []

    def start(scripts: List[Script] = (), pages: List[PageScript] = ()
              ) -> "tuple[FakeGateway, str]":
        gateway = FakeGateway(list(scripts), list(pages))
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        compile_pb2_grpc.add_CompileServiceServicer_to_server(gateway, server)
        port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        servers.append(server)
        return gateway, f"127.0.0.1:{port}"

    yield start
    for server in servers:
        server.stop(None)


def sends(*messages: compile_pb2.WatchCompilesResponse,
          then: Optional[grpc.StatusCode] = None, message: str = "") -> Script:
    def script(request, context):
        yield from messages
        if then is not None:
            context.abort(then, message)
    return script


def falls_silent(*messages: compile_pb2.WatchCompilesResponse) -> Script:
    def script(request, context):
        yield from messages
        ended = threading.Event()
        context.add_callback(ended.set)
        ended.wait(30)  # until the client cancels
    return script


def after_revisions(gateway: FakeGateway) -> List[Optional[int]]:
    return [r.after_revision if r.HasField("after_revision") else None
            for r in gateway.requests]


def take(address: str, count: int, **kwargs) -> List[compile_pb2.WatchCompilesResponse]:
    """The first ``count`` messages of a watch_compiles; then closes it."""
    with cxone_compile.Client(address, watch_retry=FAST, rng=random.Random(1)) as client:
        watch = client.watch_compiles(timeout=20, **kwargs)
        try:
            return list(itertools.islice(watch, count))
        finally:
            watch.close()


def revisions(messages: List[compile_pb2.WatchCompilesResponse]) -> List[int]:
    return [m.event.revision for m in messages]


def test_a_broken_stream_resumes_after_the_last_message_bookmarks_included(fake):
    gateway, address = fake([
        sends(marker(EventType.SYNCED, 5), change(6), marker(EventType.HEARTBEAT, 9),
              then=grpc.StatusCode.UNAVAILABLE,
              message="server draining; resume with after_revision=9"),
        sends(change(10), change(11)),
    ])
    assert revisions(take(address, 3)) == [6, 10, 11]
    # No after_revision at first: from the current revision. Then after the
    # heartbeat's bookmark, not after the last event.
    assert after_revisions(gateway) == [None, 9]


def test_replayed_events_are_not_delivered_twice(fake):
    gateway, address = fake([
        sends(change(6, heartbeat=5), change(7), then=grpc.StatusCode.INTERNAL),
        # A gateway that replays what the cursor already holds.
        sends(change(6), change(7), change(8)),
    ])
    assert revisions(take(address, 3, after_revision=5)) == [6, 7, 8]
    assert after_revisions(gateway) == [5, 7]


def test_events_at_or_before_the_callers_revision_are_skipped(fake):
    gateway, address = fake([sends(change(3, heartbeat=5), change(4), change(5))])
    assert revisions(take(address, 1, after_revision=4)) == [5]


def test_a_stream_that_broke_before_any_message_asks_as_the_first_did(fake):
    gateway, address = fake([
        sends(then=grpc.StatusCode.UNAVAILABLE),
        sends(marker(EventType.SYNCED, 3), change(4)),
    ])
    assert revisions(take(address, 1)) == [4]
    assert after_revisions(gateway) == [None, None]


def test_a_silent_stream_is_resumed_after_twice_the_heartbeat_interval(fake, client_log):
    gateway, address = fake([
        falls_silent(marker(EventType.SYNCED, 2, heartbeat=0.1), change(3)),
        sends(change(4)),
    ])
    assert revisions(take(address, 2)) == [3, 4]
    assert after_revisions(gateway) == [None, 3]
    assert client_log.count("twice the heartbeat interval") == 1


def test_a_stream_ending_ok_is_resumed(fake, client_log):
    gateway, address = fake([sends(change(1, heartbeat=5)), sends(change(2))])
    assert revisions(take(address, 2)) == [1, 2]
    assert after_revisions(gateway) == [None, 1]
    assert client_log.count("never does by itself") == 1


def test_out_of_range_is_raised_for_the_caller_to_list_again(fake, client_log):
    gateway, address = fake([
        sends(then=grpc.StatusCode.OUT_OF_RANGE,
              message="after_revision 3: no longer retained: the oldest retained "
                      "is revision 40; list again"),
    ])
    with pytest.raises(cxone_compile.OutOfRangeError, match="list again") as got:
        take(address, 1, after_revision=3)
    assert got.value.code == grpc.StatusCode.OUT_OF_RANGE
    assert len(gateway.requests) == 1
    assert client_log.count("reconnecting") == 0


def test_errors_that_would_repeat_are_raised_at_once(fake):
    gateway, address = fake([
        sends(then=grpc.StatusCode.INVALID_ARGUMENT, message="filter.states[0]: unspecified"),
    ])
    with pytest.raises(cxone_compile.InvalidArgumentError, match="filter.states"):
        take(address, 1)
    assert len(gateway.requests) == 1


def test_it_gives_up_after_max_reconnects_that_received_nothing(fake):
    gateway, address = fake([sends(then=grpc.StatusCode.UNAVAILABLE)] * 10)
    with pytest.raises(cxone_compile.UnavailableError, match="giving up after 3"):
        take(address, 1)
    assert len(gateway.requests) == 4  # the first and three reconnects


def test_markers_are_hidden_unless_asked_and_the_filter_is_sent(fake):
    scripts = lambda: [  # noqa: E731
        sends(marker(EventType.SYNCED, 5), marker(EventType.HEARTBEAT, 8), change(9)),
    ]
    gateway, address = fake(scripts())
    assert revisions(take(address, 1, flow_ids=["f"], states=[State.QUEUED],
                          label_selector="pipeline=checkout")) == [9]
    (request,) = gateway.requests
    assert list(request.filter.flow_ids) == ["f"]
    assert list(request.filter.states) == [State.QUEUED]
    assert request.filter.label_selector == "pipeline=checkout"
    gateway, address = fake(scripts())
    assert [m.event.type for m in take(address, 3, include_markers=True)] == [
        EventType.SYNCED, EventType.HEARTBEAT, EventType.STATE_CHANGED]


def test_the_async_client_resumes_from_the_bookmark_too(fake):
    gateway, address = fake([
        falls_silent(marker(EventType.SYNCED, 2, heartbeat=0.1),
                     marker(EventType.HEARTBEAT, 6, heartbeat=0.1)),
        sends(change(7)),
    ])

    async def run() -> List[int]:
        async with AsyncClient(address, watch_retry=FAST) as client:
            watch = client.watch_compiles(timeout=20)
            async for message in watch:
                await watch.aclose()
                return [message.event.revision]
        return []

    assert asyncio.run(run()) == [7]
    assert after_revisions(gateway) == [None, 6]


# --- list ---------------------------------------------------------------

def page(*names: str, token: str = "", revision: int = 7) -> PageScript:
    def answer(request, context):
        return compile_pb2.ListCompilesResponse(
            compiles=[compile_pb2.Compile(name=n) for n in names],
            next_page_token=token, revision=revision)
    return answer


def fails(code: grpc.StatusCode, message: str = "") -> PageScript:
    def answer(request, context):
        context.abort(code, message)
    return answer


def test_list_follows_the_page_tokens_and_retries_an_unavailable_page(fake, client_log):
    gateway, address = fake(pages=[
        page("c3", "c2", token="t1"),
        fails(grpc.StatusCode.UNAVAILABLE, "gateway restarting"),
        page("c1", token=""),
    ])
    with cxone_compile.Client(address, list_retry=FAST_LIST) as client:
        names = [c.name for c in client.list(flow_ids=["f"], page_size=2, timeout=20)]
    assert names == ["c3", "c2", "c1"]
    assert [(r.page_token, r.page_size) for r in gateway.list_requests] == [
        ("", 2), ("t1", 2), ("t1", 2)]
    assert all(list(r.filter.flow_ids) == ["f"] for r in gateway.list_requests)
    assert client_log.count("ListCompiles failed (UNAVAILABLE: gateway restarting)") == 1


def test_list_page_returns_the_token_and_revision_and_raises_answers(fake):
    gateway, address = fake(pages=[
        page("c2", token="t1", revision=41),
        fails(grpc.StatusCode.INVALID_ARGUMENT, "page_token: made for another filter"),
    ])
    with cxone_compile.Client(address, list_retry=FAST_LIST) as client:
        first = client.list_page(page_size=1)
        assert ([c.name for c in first.compiles], first.next_page_token, first.revision) == (
            ["c2"], "t1", 41)
        with pytest.raises(cxone_compile.InvalidArgumentError, match="another filter"):
            client.list_page(page_token=first.next_page_token, label_selector="x")
    assert len(gateway.list_requests) == 2  # an answer is not retried
    assert gateway.list_requests[1].page_token == "t1"


def test_list_gives_up_after_its_attempts(fake):
    gateway, address = fake(pages=[fails(grpc.StatusCode.UNAVAILABLE)] * 5)
    with cxone_compile.Client(address, list_retry=FAST_LIST) as client:
        with pytest.raises(cxone_compile.UnavailableError):
            list(client.list())
    assert len(gateway.list_requests) == 3


def test_the_async_list_follows_the_page_tokens(fake):
    gateway, address = fake(pages=[
        page("c2", token="t1"), fails(grpc.StatusCode.UNAVAILABLE), page("c1")])

    async def run() -> List[str]:
        async with AsyncClient(address, list_retry=FAST_LIST) as client:
            return [c.name async for c in client.list(page_size=1)]

    assert asyncio.run(run()) == ["c2", "c1"]
    assert [r.page_token for r in gateway.list_requests] == ["", "t1", "t1"]
