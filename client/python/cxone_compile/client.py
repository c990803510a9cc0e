"""Client: the gateway's CompileService as Python calls.

    with cxone_compile.Client("127.0.0.1:50051", caller="deploy-bot") as client:
        compile = client.start_and_wait("main-menu", request_id="deploy-42",
                                        timeout=600)
        if compile.state == cxone_compile.State.FAILED:
            for error in compile.errors:
                print(error.location.line, error.location.column, error.message)
        for listed in client.list(label_selector="pipeline=checkout"):
            print(listed.name, cxone_compile.State(listed.state).name)
        results = client.batch_start(
            [cxone_compile.StartItem(flow, request_id=f"deploy-42/{flow}")
             for flow in ("main-menu", "billing")],
            timeout=120,
        )

Every call raises :class:`~cxone_compile.GatewayError` (a subclass per
code) when it fails; messages are the generated protobuf messages
(``cxone_compile.Compile``, ``cxone_compile.CompileEvent``), whose enum
fields compare equal to :class:`~cxone_compile.State` and friends, and
whose uint64 fields are Python ints.

Thread-safe: one Client may serve many threads (each ``watch``,
``watch_compiles`` or ``list`` iterator belongs to the thread that iterates
it). Calls are logged (reconnects, retries) on the ``cxone_compile``
logger.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import random
import time
from typing import Any, Callable, Iterable, Iterator, List, Mapping, Optional, TypeVar, Union

import grpc

from cxone_compile import _calls
from cxone_compile._calls import BatchResult, Directives, Labels, StartItem, TimeBound
from cxone_compile._connection import Connection, Lease
from cxone_compile._idle_watchdog import IdleWatchdog
from cxone_compile._watch_cursor import StreamCursor
from cxone_compile.endpoint import GatewayEndpoint
from cxone_compile.enums import State, is_terminal
from cxone_compile.errors import GatewayError
from cxone_compile.retry import Deadline, ListRetry, StartRetry, WatchRetry
from cxone_compile.v1 import compile_pb2

T = TypeVar("T")

logger = logging.getLogger("cxone_compile")


class Client:
    """A client of one gateway.

    Made from ``address`` or from a ``channel`` the caller owns.
    ``address`` is ``HOST:PORT`` (plaintext unless a ``tls_*`` option or
    ``credentials`` are given), ``https://HOST[:PORT]`` (TLS, port 443 by
    default), a gRPC target URI such as ``dns:///HOST:PORT``, or a resolved
    :class:`~cxone_compile.GatewayEndpoint`. ``tls_ca`` (PEM CAs that verify
    the gateway; the system's by default), ``tls_cert`` and ``tls_key`` (a
    client certificate, for mTLS) are files, read now; ``token`` or the
    ``token_file`` holding one is sent as ``authorization: Bearer TOKEN``
    on every call (the rules: :mod:`cxone_compile.endpoint`; a mistake is
    an :class:`~cxone_compile.EndpointError` naming the option). No
    environment variable is read: :func:`cxone_compile.connect` reads the
    CLI's. ``caller`` is sent as ``x-caller`` metadata on every call.
    ``start_retry``, ``watch_retry`` and ``list_retry`` say how starts,
    watches and list pages retry; ``rng`` seeds the backoff's jitter.

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
        address: Union[str, GatewayEndpoint, None] = None,
        *,
        channel: Optional[grpc.Channel] = None,
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
            "Client", address, channel, credentials, tls_ca, tls_cert, tls_key, token, token_file
        )
        if target is not None:
            reopen = functools.partial(_calls.open_channel, grpc, target, credentials)
            self._connection = Connection(reopen(), reopen)
        else:
            self._connection = Connection(channel, None)
        self._metadata = _calls.metadata_of(caller, authorization)
        self._start_retry = start_retry
        self._watch_retry = watch_retry
        self._list_retry = list_retry
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
        labels: Optional[Labels] = None,
        timeout: Optional[float] = None,
    ) -> compile_pb2.Compile:
        """Starts compiling ``flow_id`` and returns the compile (a running
        one CXone names instead, if the flow is already compiling).

        With a ``request_id`` (an idempotency key), UNAVAILABLE and
        RESOURCE_EXHAUSTED are retried with jittered backoff as
        ``start_retry`` says: the gateway returns the first call's compile
        and never triggers CXone twice (``lookup`` finds it later by the
        key). Without one a start is never retried. ``directives`` (a
        JSON-like mapping or a Struct) go to CXone unchanged. ``labels``
        (``{"pipeline": "checkout"}``, Kubernetes label syntax) are the
        compile's from its creation on, to find it by with ``list`` and
        ``watch_compiles``; a bad one is InvalidArgumentError naming it, and
        a retried ``request_id`` with other labels than its first call is
        AlreadyExistsError. A start that attaches to a running compile gets
        it with the labels it has. ``timeout`` (seconds) bounds the whole
        call, retries included.
        """
        request = _calls.start_request(flow_id, request_id, directives, labels)
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
                _calls.log_start_retry(flow_id, request_id, code, error.details(), delay)
                time.sleep(delay)
                attempt += 1

    def batch_start(
        self, items: Iterable[StartItem], *, timeout: Optional[float] = None
    ) -> List[BatchResult]:
        """Starts many compiles in one call (1 to 1000 items, each a
        :class:`~cxone_compile.StartItem`: what ``start`` takes) and returns
        when every item has its answer: one result per item, in the items'
        order — the Compile it started (or attached to), or the GatewayError
        (subclass) its ``start`` would have raised, which is returned, not
        raised (``isinstance(result, GatewayError)``).

        Per item, not atomic: each item is a start of its own, with the
        same validation, idempotency and errors (a bad label or flow id is
        that item's InvalidArgumentError), and one item's error leaves the
        others alone. A trigger CXone accepted cannot be taken back, so give
        every item a ``request_id``: the batch retried with the same items
        returns the compiles already started and triggers only the rest.

        The call itself raises GatewayError when it fails as a whole:
        InvalidArgumentError for no items or more than 1000, UnavailableError
        when the gateway cannot be reached, DeadlineExceededError past
        ``timeout``. Such a call may have started any of its items (and the
        gateway goes on with them): retry it with the same items, or find
        them with ``lookup``. It is not retried by itself, nor are the
        items that failed UNAVAILABLE or RESOURCE_EXHAUSTED — retry those
        (with their request_ids) yourself. An item ``start`` would refuse
        before sending (a value of the wrong type) is a TypeError or
        ValueError naming its index, and nothing is sent.

        There is no default ``timeout`` (seconds): items are started a few
        at a time within the account's rate budget, shared with every other
        start, so a batch takes about 28 s per 1000 items at 50 requests/s,
        more when the budget is busy; give it a timeout to match.
        """
        request = _calls.batch_request(items)
        try:
            with self._lease() as lease:
                response = lease.stub.BatchStartCompiles(
                    request, timeout=timeout, metadata=self._metadata
                )
        except grpc.RpcError as error:
            raise GatewayError.from_rpc_error(error) from error
        return _calls.batch_results(request, response)

    def get(self, name: str, *, timeout: Optional[float] = None) -> compile_pb2.Compile:
        """The compile ``name`` (``flows/FLOW/compiles/ID``) as it is now."""
        try:
            with self._lease() as lease:
                return lease.stub.GetCompile(
                    _calls.get_request(name),
                    timeout=timeout,
                    metadata=self._metadata,
                )
        except grpc.RpcError as error:
            raise GatewayError.from_rpc_error(error) from error

    def lookup(
        self, request_id: str, *, timeout: Optional[float] = None
    ) -> compile_pb2.Compile:
        """The compile a ``start`` with ``request_id`` started (or attached
        to), as it is now: for a caller that lost a start's answer (it
        crashed, say) and must not start another. NotFoundError while there
        is none — the start still in flight, or the key unknown (never used,
        its start failed, or retention forgot it with its compile); the
        message says which."""
        try:
            with self._lease() as lease:
                return lease.stub.LookupCompile(
                    _calls.lookup_request(request_id),
                    timeout=timeout,
                    metadata=self._metadata,
                )
        except grpc.RpcError as error:
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
    ) -> Iterator[compile_pb2.Compile]:
        """Every compile the gateway knows that matches the filter, newest
        (latest ``create_time``) first, fetched page by page as the
        iteration needs them (``page_size`` compiles a page: the gateway's
        100 by default, at most 1000).

        Every condition given must hold: the flow is one of ``flow_ids``,
        the state one of ``states``, the labels satisfy ``label_selector``
        (Kubernetes syntax: ``pipeline=checkout,team in (a,b),!draft``),
        and the compile was created at or after ``create_time_from`` and
        before ``create_time_to`` (timezone-aware datetimes, or
        Timestamps). A compile started while the list is read is newer than
        the pages already read and is not in it; none is listed twice.

        A page that fails UNAVAILABLE is retried as ``list_retry`` says (a
        list is read-only); other errors raise GatewayError
        (InvalidArgumentError naming a bad filter). ``timeout`` (seconds)
        bounds each page's call, its retries included. To watch from the
        end of a list, use ``list_page`` for the first page: its
        ``revision`` is the ``after_revision`` for ``watch_compiles``.
        """
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

    def list_page(
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
        """One page of the list ``list`` iterates (the same filter
        arguments): its ``compiles`` (newest first), its
        ``next_page_token`` (empty on the last page; pass it as
        ``page_token``, with the same filter, for the next one) and the
        collection ``revision`` it reflects — every event up to it and none
        after. A controller lists every page, then calls ``watch_compiles``
        with the same filter and ``after_revision`` = the FIRST page's
        revision: its cache then stays equal to a fresh list. A token stays
        valid however many compiles start meanwhile and across gateway
        restarts; under another filter it is InvalidArgumentError.
        UNAVAILABLE is retried as in ``list``; ``timeout`` bounds the call
        and its retries.
        """
        request = _calls.list_request(
            flow_ids=flow_ids,
            states=states,
            label_selector=label_selector,
            create_time_from=create_time_from,
            create_time_to=create_time_to,
            page_size=page_size,
            page_token=page_token,
        )
        return self._list_page(request, Deadline(timeout))

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
    ) -> Iterator[compile_pb2.WatchCompilesResponse]:
        """The events of every compile that matches the filter (the
        arguments of ``list``), compiles started later included, in
        collection revision order, each once: WatchCompilesResponse
        messages, each with the ``event`` and the ``compile`` as that
        event's commit left it (a compile whose state left ``states`` comes
        once more, so that a cache drops it).

        With ``after_revision`` = R (a ``list_page``'s ``revision``), every
        matching event after R first, then live ones; without it, from the
        current revision. List, then watch from the first page's revision,
        and apply every message (``cache[m.compile.name] = m.compile``):
        the cache equals a fresh list at every revision reached.

        The iterator never ends by itself. It resumes as ``watch`` does (a
        broken stream, a draining or restarting gateway, twice the
        heartbeat interval of silence — then on a new channel — with
        ``watch_retry``'s backoff), from the ``resume_after_revision`` of
        the last message received, markers included (a HEARTBEAT is a
        bookmark past events that did not match): nothing twice, nothing
        skipped. SYNCED and HEARTBEAT markers are yielded only with
        ``include_markers``.

        OUT_OF_RANGE raises OutOfRangeError: the cursor fell behind the
        gateway's bounded history (``--collection-history``), or
        ``after_revision`` is older than it, so events were lost. Do not
        resume: list again (``list_page``) and watch from the new list's
        revision. ``timeout`` (seconds) bounds the whole watch: then
        DeadlineExceededError. Closing the iterator cancels the stream.
        """
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

    def start_and_wait(
        self,
        flow_id: str,
        *,
        request_id: Optional[str] = None,
        directives: Optional[Directives] = None,
        labels: Optional[Labels] = None,
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
            labels=labels,
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

    def _list_all(
        self, request: compile_pb2.ListCompilesRequest, timeout: Optional[float]
    ) -> Iterator[compile_pb2.Compile]:
        while True:
            page = self._list_page(request, Deadline(timeout))
            yield from page.compiles
            if not page.next_page_token:
                return
            request.page_token = page.next_page_token

    def _list_page(
        self, request: compile_pb2.ListCompilesRequest, deadline: Deadline
    ) -> compile_pb2.ListCompilesResponse:
        attempt = 1
        while True:
            try:
                with self._lease() as lease:
                    return lease.stub.ListCompiles(
                        request, timeout=deadline.remaining(), metadata=self._metadata
                    )
            except grpc.RpcError as error:
                code = error.code()
                delay = _calls.list_retry_delay(
                    code, attempt, self._list_retry, self._rng, deadline
                )
                if delay is None:
                    raise GatewayError.from_rpc_error(error) from error
                _calls.log_list_retry(code, error.details(), delay)
                time.sleep(delay)
                attempt += 1

    def _follow(
        self,
        cursor: StreamCursor[T],
        deadline: Deadline,
        method: Callable[[Any], Callable[..., Any]],
    ) -> Iterator[T]:
        """The messages ``cursor`` delivers from the streams of
        ``method(stub)``, reopened as the cursor says until it is
        finished."""
        while True:
            code: Optional[grpc.StatusCode] = None
            details = ""
            with self._lease() as lease:
                call = method(lease.stub)(
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
                            message = next(call)
                        except StopIteration:
                            break
                        finally:
                            watchdog.busy()
                        limit = cursor.idle_limit
                        delivered = cursor.take(message)
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


def _watch_compile(stub: Any) -> Callable[..., Any]:
    return stub.WatchCompile


def _watch_compiles(stub: Any) -> Callable[..., Any]:
    return stub.WatchCompiles


def _close(channel: Optional[Any]) -> None:
    if channel is not None:
        channel.close()


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
) -> Client:
    """A :class:`Client` of the gateway the CLI would call: each of
    ``server``, ``tls_ca``, ``tls_cert``, ``tls_key`` and ``token_file``
    that is not given comes from the CLI's variable in ``environ``
    (default ``os.environ``): ``$CXONE_SERVER`` (else 127.0.0.1:50051),
    ``$CXONE_TLS_CA``, ``$CXONE_TLS_CERT``, ``$CXONE_TLS_KEY``,
    ``$CXONE_TOKEN_FILE`` (not read when ``token`` is given; nor are the
    TLS variables with ``credentials``). ``options`` are the Client's
    other keyword arguments. Raises EndpointError as Client does."""
    endpoint = _calls.connect_endpoint(
        server, tls_ca, tls_cert, tls_key, token, token_file, environ, options
    )
    return Client(endpoint, **options)


__all__ = ["Client", "connect"]
