"""AsyncClient: the same calls as :class:`cxone_compile.Client` over
``grpc.aio``, for asyncio programs.

    async with cxone_compile.aio.AsyncClient("127.0.0.1:50051") as client:
        async for event in client.watch(name):
            ...

The behaviour (retries, resuming, errors, a new channel after a silent
stream) is the sync client's: both drive the same cursors (WatchCursor,
CollectionCursor) and Connection; ``list`` and ``watch_compiles`` are
async iterators, ``list_page``, ``lookup`` and ``batch_start``
coroutines. A stream's silence is timed by ``asyncio.wait_for`` on each
read (the first included, with the limit the last stream stated) instead
of a watchdog thread. Use one AsyncClient on one event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import random
from typing import Any, AsyncIterator, Callable, Iterable, List, Mapping, Optional, TypeVar, Union

import grpc
import grpc.aio

from cxone_compile import _calls
from cxone_compile._calls import BatchResult, Directives, Labels, StartItem, TimeBound
from cxone_compile._connection import Connection, Lease
from cxone_compile._watch_cursor import StreamCursor
from cxone_compile.endpoint import GatewayEndpoint
from cxone_compile.enums import State, is_terminal
from cxone_compile.errors import GatewayError
from cxone_compile.retry import Deadline, ListRetry, StartRetry, WatchRetry
from cxone_compile.v1 import compile_pb2

T = TypeVar("T")

logger = logging.getLogger("cxone_compile")


class AsyncClient:
    """A client of one gateway on asyncio; see :class:`cxone_compile.Client`
    for the arguments, each call's contract, and what happens to the
    channel (made from ``address`` or given) after a silent stream."""

    def __init__(
        self,
        address: Union[str, GatewayEndpoint, None] = None,
        *,
        channel: Optional[grpc.aio.Channel] = None,
        credentials: Optional[grpc.ChannelCredentials] = None,
        tls_ca: Optional[str] = None,
        tls_cert: Optional[str] = None,
        tls_key: Optional[str] = None,
        token: Optional[str] = None,
        token_file: Optional[str] = None,
        caller: Optional[str] = None,
        start_retry: StartRetry = StartRetry(),
        watch_retry: WatchRetry = WatchRetry(),
        list_retry: ListRetry = ListRetry(),
        rng: Optional[random.Random] = None,
    ) -> None:
        target, credentials, authorization = _calls.plan_channel(
            "AsyncClient", address, channel, credentials, tls_ca, tls_cert, tls_key, token, token_file
        )
        if target is not None:
            reopen = functools.partial(_calls.open_channel, grpc.aio, target, credentials)
            self._connection = Connection(reopen(), reopen)
        else:
            self._connection = Connection(channel, None)
        self._metadata = _calls.metadata_of(caller, authorization)
        self._start_retry = start_retry
        self._watch_retry = watch_retry
        self._list_retry = list_retry
        self._rng = rng or random.Random()

    async def close(self) -> None:
        """Closes the channels the client made (calls on them are
        cancelled); a channel the caller gave stays open."""
        for channel in self._connection.close():
            await channel.close()

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def start(
        self,
        flow_id: str,
        *,
        request_id: Optional[str] = None,
        directives: Optional[Directives] = None,
        labels: Optional[Labels] = None,
        timeout: Optional[float] = None,
    ) -> compile_pb2.Compile:
        """As :meth:`cxone_compile.Client.start`."""
        request = _calls.start_request(flow_id, request_id, directives, labels)
        deadline = Deadline(timeout)
        attempt = 1
        while True:
            try:
                async with self._lease() as lease:
                    return await lease.stub.StartCompile(
                        request, timeout=deadline.remaining(), metadata=self._metadata
                    )
            except grpc.aio.AioRpcError as error:
                code = error.code()
                delay = _calls.start_retry_delay(
                    code, attempt, request_id, self._start_retry, self._rng, deadline
                )
                if delay is None:
                    raise GatewayError.from_rpc_error(error) from error
                _calls.log_start_retry(flow_id, request_id, code, error.details(), delay)
                await asyncio.sleep(delay)
                attempt += 1

    async def batch_start(
        self, items: Iterable[StartItem], *, timeout: Optional[float] = None
    ) -> List[BatchResult]:
        """As :meth:`cxone_compile.Client.batch_start`: per item, not
        atomic; item errors are returned, call errors raised; no default
        timeout."""
        request = _calls.batch_request(items)
        try:
            async with self._lease() as lease:
                response = await lease.stub.BatchStartCompiles(
                    request, timeout=timeout, metadata=self._metadata
                )
        except grpc.aio.AioRpcError as error:
            raise GatewayError.from_rpc_error(error) from error
        return _calls.batch_results(request, response)

    async def get(
        self, name: str, *, timeout: Optional[float] = None
    ) -> compile_pb2.Compile:
        """As :meth:`cxone_compile.Client.get`."""
        try:
            async with self._lease() as lease:
                return await lease.stub.GetCompile(
                    _calls.get_request(name),
                    timeout=timeout,
                    metadata=self._metadata,
                )
        except grpc.aio.AioRpcError as error:
            raise GatewayError.from_rpc_error(error) from error

    async def lookup(
        self, request_id: str, *, timeout: Optional[float] = None
    ) -> compile_pb2.Compile:
        """As :meth:`cxone_compile.Client.lookup`."""
        try:
            async with self._lease() as lease:
                return await lease.stub.LookupCompile(
                    _calls.lookup_request(request_id),
                    timeout=timeout,
                    metadata=self._metadata,
                )
        except grpc.aio.AioRpcError as error:
            raise GatewayError.from_rpc_error(error) from error

    def list(
        self,
        *,
        flow_ids: Iterable[str] = (),
        states: Iterable[State] = (),
        label_selector: str = "",
        create_time_from: Optional[TimeBound] = None,
        create_time_to: Optional[TimeBound] = None,
        page_size: Optional[int] = None,
        timeout: Optional[float] = None,
    ) -> AsyncIterator[compile_pb2.Compile]:
        """As :meth:`cxone_compile.Client.list`, an async iterator."""
        request = _calls.list_request(
            flow_ids=flow_ids,
            states=states,
            label_selector=label_selector,
            create_time_from=create_time_from,
            create_time_to=create_time_to,
            page_size=page_size,
            page_token=None,
        )
        return self._list_all(request, timeout)

    async def list_page(
        self,
        *,
        flow_ids: Iterable[str] = (),
        states: Iterable[State] = (),
        label_selector: str = "",
        create_time_from: Optional[TimeBound] = None,
        create_time_to: Optional[TimeBound] = None,
        page_size: Optional[int] = None,
        page_token: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> compile_pb2.ListCompilesResponse:
        """As :meth:`cxone_compile.Client.list_page`."""
        request = _calls.list_request(
            flow_ids=flow_ids,
            states=states,
            label_selector=label_selector,
            create_time_from=create_time_from,
            create_time_to=create_time_to,
            page_size=page_size,
            page_token=page_token,
        )
        return await self._list_page(request, Deadline(timeout))

    def watch(
        self,
        name: Optional[str] = None,
        *,
        flow_id: Optional[str] = None,
        after_sequence: Optional[int] = None,
        include_markers: bool = False,
        timeout: Optional[float] = None,
    ) -> AsyncIterator[compile_pb2.CompileEvent]:
        """As :meth:`cxone_compile.Client.watch`, an async iterator."""
        cursor = _calls.watch_cursor(
            name=name,
            flow_id=flow_id,
            after_sequence=after_sequence,
            include_markers=include_markers,
            retry=self._watch_retry,
            rng=self._rng,
            timeout=timeout,
        )
        return self._follow(cursor, Deadline(timeout), _watch_compile)

    def watch_compiles(
        self,
        *,
        flow_ids: Iterable[str] = (),
        states: Iterable[State] = (),
        label_selector: str = "",
        create_time_from: Optional[TimeBound] = None,
        create_time_to: Optional[TimeBound] = None,
        after_revision: Optional[int] = None,
        include_markers: bool = False,
        timeout: Optional[float] = None,
    ) -> AsyncIterator[compile_pb2.WatchCompilesResponse]:
        """As :meth:`cxone_compile.Client.watch_compiles`, an async iterator
        (OUT_OF_RANGE raises OutOfRangeError: list again)."""
        cursor = _calls.collection_cursor(
            flow_ids=flow_ids,
            states=states,
            label_selector=label_selector,
            create_time_from=create_time_from,
            create_time_to=create_time_to,
            after_revision=after_revision,
            include_markers=include_markers,
            retry=self._watch_retry,
            rng=self._rng,
            timeout=timeout,
        )
        return self._follow(cursor, Deadline(timeout), _watch_compiles)

    async def start_and_wait(
        self,
        flow_id: str,
        *,
        request_id: Optional[str] = None,
        directives: Optional[Directives] = None,
        labels: Optional[Labels] = None,
        timeout: Optional[float] = None,
    ) -> compile_pb2.Compile:
        """As :meth:`cxone_compile.Client.start_and_wait`."""
        deadline = Deadline(timeout)
        started = await self.start(
            flow_id,
            request_id=request_id,
            directives=directives,
            labels=labels,
            timeout=deadline.remaining(),
        )
        if is_terminal(started.state):
            return started
        async for event in self.watch(started.name, timeout=deadline.remaining()):
            if is_terminal(event.state):
                return _calls.final_compile(started, event)
        return await self.get(started.name, timeout=deadline.remaining())

    @contextlib.asynccontextmanager
    async def _lease(self) -> AsyncIterator[Lease]:
        """The current channel's lease, for the calls of the ``async with``."""
        lease = self._connection.acquire()
        try:
            yield lease
        finally:
            await _close(self._connection.release(lease))

    async def _list_all(
        self, request: compile_pb2.ListCompilesRequest, timeout: Optional[float]
    ) -> AsyncIterator[compile_pb2.Compile]:
        while True:
            page = await self._list_page(request, Deadline(timeout))
            for listed in page.compiles:
                yield listed
            if not page.next_page_token:
                return
            request.page_token = page.next_page_token

    async def _list_page(
        self, request: compile_pb2.ListCompilesRequest, deadline: Deadline
    ) -> compile_pb2.ListCompilesResponse:
        attempt = 1
        while True:
            try:
                async with self._lease() as lease:
                    return await lease.stub.ListCompiles(
                        request, timeout=deadline.remaining(), metadata=self._metadata
                    )
            except grpc.aio.AioRpcError as error:
                code = error.code()
                delay = _calls.list_retry_delay(
                    code, attempt, self._list_retry, self._rng, deadline
                )
                if delay is None:
                    raise GatewayError.from_rpc_error(error) from error
                _calls.log_list_retry(code, error.details(), delay)
                await asyncio.sleep(delay)
                attempt += 1

    async def _follow(
        self,
        cursor: StreamCursor[T],
        deadline: Deadline,
        method: Callable[[Any], Callable[..., Any]],
    ) -> AsyncIterator[T]:
        """As :meth:`cxone_compile.Client._follow`."""
        while True:
            code: Optional[grpc.StatusCode] = None
            details = ""
            idle = False
            async with self._lease() as lease:
                call = method(lease.stub)(
                    cursor.request(), timeout=deadline.remaining(), metadata=self._metadata
                )
                try:
                    while True:
                        try:
                            message = await asyncio.wait_for(call.read(), cursor.idle_limit)
                        except asyncio.TimeoutError:
                            idle = True
                            code = grpc.StatusCode.CANCELLED
                            break
                        if message is grpc.aio.EOF:
                            break
                        delivered = cursor.take(message)
                        if delivered is not None:
                            yield delivered
                        if cursor.finished:
                            return
                    if not idle:
                        status = await call.code()
                        if status != grpc.StatusCode.OK:
                            code, details = status, await call.details() or ""
                except grpc.aio.AioRpcError as error:
                    code, details = error.code(), error.details() or ""
                finally:
                    call.cancel()
            if idle:
                # The connection may be wedged: the next stream goes over a
                # new one.
                await _close(self._connection.replace(lease))
            ending = cursor.ended(
                code, details, idle=idle, deadline_expired=deadline.expired()
            )
            if ending.error is not None:
                raise ending.error
            logger.log(logging.WARNING if ending.trouble else logging.INFO, "%s", ending.note)
            if ending.delay > 0:
                if not deadline.allows(ending.delay):
                    await asyncio.sleep(deadline.remaining() or 0.0)
                    raise cursor.timed_out()
                await asyncio.sleep(ending.delay)


def _watch_compile(stub: Any) -> Callable[..., Any]:
    return stub.WatchCompile


def _watch_compiles(stub: Any) -> Callable[..., Any]:
    return stub.WatchCompiles


async def _close(channel: Optional[Any]) -> None:
    if channel is not None:
        await channel.close()


__all__ = ["AsyncClient"]


def connect(
    server: Optional[str] = None,
    *,
    tls_ca: Optional[str] = None,
    tls_cert: Optional[str] = None,
    tls_key: Optional[str] = None,
    token: Optional[str] = None,
    token_file: Optional[str] = None,
    environ: Optional[Mapping[str, str]] = None,
    **options: Any,
) -> AsyncClient:
    """An :class:`AsyncClient` of the gateway the CLI would call, from the
    arguments and the CLI's environment variables as
    :func:`cxone_compile.connect` says."""
    endpoint = _calls.connect_endpoint(
        server, tls_ca, tls_cert, tls_key, token, token_file, environ, options
    )
    return AsyncClient(endpoint, **options)
