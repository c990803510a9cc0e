"""Client: the gateway's CompileService as Python calls.

    with cxone_compile.Client("127.0.0.1:50051", caller="deploy-bot") as client:
        compile = client.start_and_wait("main-menu", request_id="deploy-42",
                                        timeout=600)
        if compile.state == cxone_compile.State.FAILED:
            for error in compile.errors:
                print(error.location.line, error.location.column, error.message)

Every call raises :class:`~cxone_compile.GatewayError` (a subclass per
code) when it fails; messages are the generated protobuf messages
(``cxone_compile.Compile``, ``cxone_compile.CompileEvent``), whose enum
fields compare equal to :class:`~cxone_compile.State` and friends, and
whose uint64 fields are Python ints.

Thread-safe: one Client may serve many threads (each ``watch`` iterator
belongs to the thread that iterates it). Calls are logged (reconnects,
retries) on the ``cxone_compile`` logger.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import random
import time
from typing import Any, Iterator, Optional

import grpc

from cxone_compile import _calls
from cxone_compile._calls import Directives
from cxone_compile._connection import Connection, Lease
from cxone_compile._idle_watchdog import IdleWatchdog
from cxone_compile._watch_cursor import WatchCursor
from cxone_compile.enums import is_terminal
from cxone_compile.errors import GatewayError, describe
from cxone_compile.retry import Deadline, StartRetry, WatchRetry
from cxone_compile.v1 import compile_pb2

logger = logging.getLogger("cxone_compile")


class Client:
    """A client of one gateway.

    Made from ``address`` (``HOST:PORT`` or any gRPC target; a plaintext
    channel unless ``credentials`` are given) or from a ``channel`` the
    caller owns. ``caller`` is sent as ``x-caller`` metadata on every call.
    ``rng`` seeds the backoff's jitter.

    A watch stream silent for twice the heartbeat interval may be on a
    wedged connection (a proxy or NAT that stopped forwarding while TCP
    looks open), where a new stream would hang too until keepalive closes
    it (about 40 s). So a client made from ``address`` then opens a new
    channel, on a connection of its own, for the next stream and every
    later call; calls still running on the old channel finish there, and
    it is closed after the last. A ``channel`` the caller gave cannot be
    replaced: the watch resumes on it, over the same connection, until the
    channel's keepalive pings (if it has them) close a wedged one. Give
    such a channel ``grpc.keepalive_time_ms`` and
    ``grpc.keepalive_timeout_ms``, and, if you replace it yourself,
    ``("grpc.use_local_subchannel_pool", 1)``: without that option gRPC
    hands a new channel with the same address and options the old one's
    connection.
    """

    def __init__(
        self,
        address: Optional[str] = None,
        *,
        channel: Optional[grpc.Channel] = None,
        credentials: Optional[grpc.ChannelCredentials] = None,
        caller: Optional[str] = None,
        start_retry: StartRetry = StartRetry(),
        watch_retry: WatchRetry = WatchRetry(),
        rng: Optional[random.Random] = None,
    ) -> None:
        if (address is None) == (channel is None):
            raise ValueError("Client: give exactly one of address and channel")
        if channel is None:
            assert address is not None
            reopen = functools.partial(_calls.open_channel, grpc, address, credentials)
            self._connection = Connection(reopen(), reopen)
        else:
            self._connection = Connection(channel, None)
        self._metadata = _calls.metadata_of(caller)
        self._start_retry = start_retry
        self._watch_retry = watch_retry
        self._rng = rng or random.Random()

    def close(self) -> None:
        """Closes the channels the client made (calls on them are
        cancelled); a channel the caller gave stays open."""
        for channel in self._connection.close():
            channel.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def start(
        self,
        flow_id: str,
        *,
        request_id: Optional[str] = None,
        directives: Optional[Directives] = None,
        timeout: Optional[float] = None,
    ) -> compile_pb2.Compile:
        """Starts compiling ``flow_id`` and returns the compile (a running
        one CXone names instead, if the flow is already compiling).

        With a ``request_id`` (an idempotency key), UNAVAILABLE and
        RESOURCE_EXHAUSTED are retried with jittered backoff as
        ``start_retry`` says: the gateway returns the first call's compile
        and never triggers CXone twice. Without one a start is never
        retried. ``directives`` (a JSON-like mapping or a Struct) go to
        CXone unchanged. ``timeout`` (seconds) bounds the whole call,
        retries included.
        """
        request = _calls.start_request(flow_id, request_id, directives)
        deadline = Deadline(timeout)
        attempt = 1
        while True:
            try:
                with self._lease() as lease:
                    return lease.stub.StartCompile(
                        request, timeout=deadline.remaining(), metadata=self._metadata
                    )
            except grpc.RpcError as error:
                code = error.code()
                delay = _calls.start_retry_delay(
                    code, attempt, request_id, self._start_retry, self._rng, deadline
                )
                if delay is None:
                    raise GatewayError.from_rpc_error(error) from error
                logger.warning(
                    "StartCompile %s (request_id %s) failed (%s); retrying in %.2fs",
                    flow_id,
                    request_id,
                    describe(code, error.details()),
                    delay,
                )
                time.sleep(delay)
                attempt += 1

    def get(self, name: str, *, timeout: Optional[float] = None) -> compile_pb2.Compile:
        """The compile ``name`` (``flows/FLOW/compiles/ID``) as it is now."""
        try:
            with self._lease() as lease:
                return lease.stub.GetCompile(
                    compile_pb2.GetCompileRequest(name=name),
                    timeout=timeout,
                    metadata=self._metadata,
                )
        except grpc.RpcError as error:
            raise GatewayError.from_rpc_error(error) from error

    def watch(
        self,
        name: Optional[str] = None,
        *,
        flow_id: Optional[str] = None,
        after_sequence: Optional[int] = None,
        include_markers: bool = False,
        timeout: Optional[float] = None,
    ) -> Iterator[compile_pb2.CompileEvent]:
        """The events of compile ``name`` (or of the newest compile of
        ``flow_id``) until its terminal state, each exactly once.

        Without ``after_sequence`` the first is a SNAPSHOT of the compile
        as it is now; with it, every event after that sequence. A broken
        stream, a draining gateway or twice the heartbeat interval of
        silence is survived by resuming after the last event received, as
        ``watch_retry`` says (after a silence, on a new channel unless the
        caller gave it: see the class); other errors raise GatewayError.
        SYNCED and HEARTBEAT markers are yielded only with
        ``include_markers``.
        ``timeout`` (seconds) bounds the whole watch: then
        DeadlineExceededError. Closing the iterator cancels the stream.
        """
        _calls.check_watch_target(name, flow_id, after_sequence)
        cursor = WatchCursor(
            name=name or "",
            flow_id=flow_id or "",
            after_sequence=after_sequence,
            include_markers=include_markers,
            retry=self._watch_retry,
            rng=self._rng,
            timeout=timeout,
        )
        return self._follow(cursor, Deadline(timeout))

    def start_and_wait(
        self,
        flow_id: str,
        *,
        request_id: Optional[str] = None,
        directives: Optional[Directives] = None,
        timeout: Optional[float] = None,
    ) -> compile_pb2.Compile:
        """Starts a compile (as ``start``) and waits for its terminal state;
        returns the final compile (COMPLETED, FAILED with its ``errors``, or
        TIMED_OUT). ``timeout`` (seconds) bounds it all: then
        DeadlineExceededError, whose message names the compile (watch it
        again to go on waiting)."""
        deadline = Deadline(timeout)
        started = self.start(
            flow_id,
            request_id=request_id,
            directives=directives,
            timeout=deadline.remaining(),
        )
        if is_terminal(started.state):
            return started
        for event in self.watch(started.name, timeout=deadline.remaining()):
            if is_terminal(event.state):
                return _calls.final_compile(started, event)
        # A watch ends only after the terminal event, but a terminal event
        # at or before its cursor is not delivered again: ask.
        return self.get(started.name, timeout=deadline.remaining())

    @contextlib.contextmanager
    def _lease(self) -> Iterator[Lease]:
        """The current channel's lease, for the calls of the ``with``."""
        lease = self._connection.acquire()
        try:
            yield lease
        finally:
            _close(self._connection.release(lease))

    def _follow(
        self, cursor: WatchCursor, deadline: Deadline
    ) -> Iterator[compile_pb2.CompileEvent]:
        while True:
            code: Optional[grpc.StatusCode] = None
            details = ""
            with self._lease() as lease:
                call = lease.stub.WatchCompile(
                    cursor.request(), timeout=deadline.remaining(), metadata=self._metadata
                )
                # Armed from the stream's start with the last limit known, so
                # that a stream that never delivers its first message (a
                # wedged connection) is cancelled too.
                watchdog = IdleWatchdog(call.cancel, cursor.idle_limit)
                try:
                    while True:
                        watchdog.waiting()
                        try:
                            event = next(call)
                        except StopIteration:
                            break
                        finally:
                            watchdog.busy()
                        limit = cursor.idle_limit
                        delivered = cursor.take(event)
                        if cursor.idle_limit != limit and cursor.idle_limit is not None:
                            watchdog.arm(cursor.idle_limit)
                        if delivered is not None:
                            yield delivered
                        if cursor.finished:
                            return
                except grpc.RpcError as error:
                    code, details = error.code(), error.details() or ""
                finally:
                    watchdog.stop()
                    call.cancel()
            idle = watchdog.fired and code == grpc.StatusCode.CANCELLED
            if idle:
                # The connection may be wedged: the next stream goes over a
                # new one.
                _close(self._connection.replace(lease))
            ending = cursor.ended(
                code, details, idle=idle, deadline_expired=deadline.expired()
            )
            if ending.error is not None:
                raise ending.error
            logger.log(logging.WARNING if ending.trouble else logging.INFO, "%s", ending.note)
            if ending.delay > 0:
                if not deadline.allows(ending.delay):
                    time.sleep(deadline.remaining() or 0.0)
                    raise cursor.timed_out()
                time.sleep(ending.delay)


def _close(channel: Optional[Any]) -> None:
    if channel is not None:
        channel.close()


__all__ = ["Client"]
