"""What the sync and the async client share, so that each of them only
does the I/O: the channel they make, every request they send (filters
included), the cursors their watches start with, the retry decisions (and
log lines) of a start and of a list page, the results of a batch start, and
the final Compile of start_and_wait."""

from __future__ import annotations

import dataclasses
import datetime
import logging
import os
import random
from typing import Any, Iterable, List, Mapping, Optional, Tuple, Union, cast

import grpc
from google.protobuf import struct_pb2, timestamp_pb2

from cxone_compile._collection_cursor import CollectionCursor
from cxone_compile._watch_cursor import WatchCursor
from cxone_compile.endpoint import TLS_ENV_VARS, EndpointError, GatewayEndpoint, resolve_endpoint
from cxone_compile.enums import State
from cxone_compile.errors import (
    RETRYABLE_LIST_CODES,
    RETRYABLE_START_CODES,
    GatewayError,
    describe,
)
from cxone_compile.retry import Deadline, ListRetry, StartRetry, WatchRetry, backoff_delay
from cxone_compile.v1 import compile_pb2

logger = logging.getLogger("cxone_compile")

Directives = Union[Mapping[str, Any], struct_pb2.Struct]
Labels = Mapping[str, str]
#: A bound of a create-time range: a timezone-aware datetime, or a Timestamp
#: (such as a Compile's ``create_time``).
TimeBound = Union[datetime.datetime, timestamp_pb2.Timestamp]
Metadata = Tuple[Tuple[str, str], ...]

# A watch may sit silent for minutes while CXone compiles, so the channel
# pings (as the CLI's, client/gateway_channel.h): a gateway that vanished
# without closing the connection is noticed within about 40 s. The gateway
# allows pings every 10 s. Reconnecting backs off no further than the
# watch's own cap, so that a gateway back after an outage is found soon.
# Each channel keeps connections of its own: gRPC otherwise shares them
# between channels with equal arguments (the global subchannel pool), and
# the channel that replaces one after a silent watch (_connection) would get
# the old, maybe wedged, connection back.
CHANNEL_OPTIONS: List[Tuple[str, int]] = [
    ("grpc.keepalive_time_ms", 30_000),
    ("grpc.keepalive_timeout_ms", 10_000),
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.initial_reconnect_backoff_ms", 200),
    ("grpc.max_reconnect_backoff_ms", 10_000),
    ("grpc.use_local_subchannel_pool", 1),
]


def open_channel(
    channels: Any, address: str, credentials: Optional[grpc.ChannelCredentials]
) -> Any:
    """A channel to ``address`` with CHANNEL_OPTIONS, from ``channels``:
    the ``grpc`` module for the sync client, ``grpc.aio`` for the async one
    (both have the same two constructors)."""
    if credentials is None:
        return channels.insecure_channel(address, options=CHANNEL_OPTIONS)
    return channels.secure_channel(address, credentials, options=CHANNEL_OPTIONS)


def plan_channel(
    client: str,
    address: Union[str, GatewayEndpoint, None],
    channel: Any,
    credentials: Optional[grpc.ChannelCredentials],
    tls_ca: Optional[str],
    tls_cert: Optional[str],
    tls_key: Optional[str],
    token: Optional[str],
    token_file: Optional[str],
) -> Tuple[Optional[str], Optional[grpc.ChannelCredentials], Metadata]:
    """What a client's constructor was given, checked: the target to open
    channels to (None with the caller's ``channel``), their credentials
    (None: plaintext) and the token's ``authorization`` metadata (empty
    without one). Raises ValueError for neither or both of ``address``
    and ``channel``, EndpointError (a ValueError) for what
    resolve_endpoint refuses and for TLS options beside ``credentials``
    or a ``channel``."""
    if (address is None) == (channel is None):
        raise ValueError(f"{client}: give exactly one of address and channel")
    tls_given = bool(tls_ca or tls_cert or tls_key)
    if channel is not None:
        if tls_given or credentials is not None:
            raise EndpointError(
                f"{client}: a channel you give has its own credentials; "
                "tls_ca, tls_cert, tls_key and credentials go with an address"
            )
        return None, None, resolve_endpoint(token=token, token_file=token_file).authorization()
    if isinstance(address, GatewayEndpoint):
        if tls_given or token is not None or token_file is not None:
            raise EndpointError(
                f"{client}: a GatewayEndpoint is resolved already; give its TLS "
                "and token options to resolve_endpoint"
            )
        endpoint = address
        tls_given = bool(endpoint.ca_pem or endpoint.cert_pem)
    else:
        endpoint = resolve_endpoint(
            address,
            tls_ca=tls_ca,
            tls_cert=tls_cert,
            tls_key=tls_key,
            token=token,
            token_file=token_file,
            server_name="address",
        )
    if credentials is not None:
        if tls_given:
            raise EndpointError(
                f"{client}: give credentials or tls_ca, tls_cert and tls_key, not both"
            )
        return endpoint.target, credentials, endpoint.authorization()
    return endpoint.target, endpoint.channel_credentials(), endpoint.authorization()


def connect_endpoint(
    server: Optional[str],
    tls_ca: Optional[str],
    tls_cert: Optional[str],
    tls_key: Optional[str],
    token: Optional[str],
    token_file: Optional[str],
    environ: Optional[Mapping[str, str]],
    options: Mapping[str, Any],
) -> GatewayEndpoint:
    """The endpoint of cxone_compile.connect and cxone_compile.aio.connect."""
    if "channel" in options:
        raise TypeError("connect() opens its own channel: give Client a channel instead")
    env: Mapping[str, str] = os.environ if environ is None else environ
    if options.get("credentials") is not None:
        env = {name: value for name, value in env.items() if name not in TLS_ENV_VARS}
    return resolve_endpoint(server, tls_ca=tls_ca, tls_cert=tls_cert, tls_key=tls_key,
                            token=token, token_file=token_file, environ=env)


def metadata_of(caller: Optional[str], authorization: Metadata = ()) -> Optional[Metadata]:
    """The metadata every call carries: the caller's name as ``x-caller``
    (the gateway's audit log records it) and the bearer token's
    ``authorization``."""
    metadata = ((("x-caller", caller),) if caller else ()) + authorization
    return metadata or None


def start_request(
    flow_id: str,
    request_id: Optional[str],
    directives: Optional[Directives],
    labels: Optional[Labels],
) -> compile_pb2.StartCompileRequest:
    request = compile_pb2.StartCompileRequest(flow_id=flow_id)
    if request_id:
        request.request_id = request_id
    if isinstance(directives, struct_pb2.Struct):
        request.directives.CopyFrom(directives)
    elif directives is not None:
        request.directives.update(dict(directives))
    if labels:
        request.labels.update(labels)
    return request


@dataclasses.dataclass(frozen=True)
class StartItem:
    """One start of a ``batch_start``: the arguments ``start`` takes, with
    their meaning (``request_id`` makes the item safe to retry: give every
    item one)."""

    flow_id: str
    request_id: Optional[str] = None
    directives: Optional[Directives] = None
    labels: Optional[Labels] = None


#: One item's outcome in a ``batch_start``: the compile it started (or
#: attached to), or the GatewayError its ``start`` would have raised.
BatchResult = Union[compile_pb2.Compile, GatewayError]


def batch_request(items: Iterable[StartItem]) -> compile_pb2.BatchStartCompilesRequest:
    """The BatchStartCompilesRequest of ``items``, each built as ``start``
    builds its request: what ``start`` refuses before sending (a value of
    the wrong type, directives JSON cannot carry) is the same TypeError or
    ValueError, its message starting with the item's index. How many items
    a batch may hold is the gateway's to say (INVALID_ARGUMENT)."""
    if isinstance(items, (str, StartItem)):
        raise TypeError(f"items must be a collection of StartItems, not a {type(items).__name__}")
    request = compile_pb2.BatchStartCompilesRequest()
    for index, item in enumerate(items):
        if not isinstance(item, StartItem):
            raise TypeError(f"items[{index}] must be a StartItem, not a {type(item).__name__}")
        try:
            built = start_request(item.flow_id, item.request_id, item.directives, item.labels)
        except TypeError as error:
            raise TypeError(f"items[{index}] (flow {item.flow_id!r}): {error}") from error
        except ValueError as error:
            raise ValueError(f"items[{index}] (flow {item.flow_id!r}): {error}") from error
        request.requests.append(built)
    return request


def batch_results(
    request: compile_pb2.BatchStartCompilesRequest,
    response: compile_pb2.BatchStartCompilesResponse,
) -> List[BatchResult]:
    """One result per item of ``request``, in order: its Compile, or its
    status as the GatewayError (subclass) of that code. An answer that does
    not hold one result per item is a GatewayError UNKNOWN for the call."""
    if len(response.results) != len(request.requests):
        raise GatewayError.of(
            grpc.StatusCode.UNKNOWN,
            f"the gateway answered {len(response.results)} results for "
            f"{len(request.requests)} items; look the keyed items up by request_id",
        )
    results: List[BatchResult] = []
    for result in response.results:
        which = result.WhichOneof("result")
        if which == "compile":
            results.append(result.compile)
        elif which == "status":
            results.append(GatewayError.from_status(result.status.code, result.status.message))
        else:
            results.append(
                GatewayError.of(grpc.StatusCode.UNKNOWN, "the gateway sent no result for this item")
            )
    return results


def compile_filter(
    flow_ids: Iterable[str],
    states: Iterable[State],
    label_selector: str,
    create_time_from: Optional[TimeBound],
    create_time_to: Optional[TimeBound],
) -> compile_pb2.CompileFilter:
    """The CompileFilter of a list or a watch_compiles: every condition
    given must hold. ``flow_ids`` and ``states`` are checked to be
    collections, not a lone string (which would be taken letter by
    letter)."""
    if isinstance(flow_ids, str):
        raise ValueError(f"flow_ids must be a collection of flow ids, not the string {flow_ids!r}")
    made = compile_pb2.CompileFilter(
        flow_ids=list(flow_ids),
        # The wire values: our IntEnum is not the generated enum's type.
        states=cast("List[compile_pb2.State]", [int(state) for state in states]),
        label_selector=label_selector,
    )
    if create_time_from is not None:
        made.create_time_from.CopyFrom(_timestamp("create_time_from", create_time_from))
    if create_time_to is not None:
        made.create_time_to.CopyFrom(_timestamp("create_time_to", create_time_to))
    return made


def _timestamp(field: str, bound: TimeBound) -> timestamp_pb2.Timestamp:
    if isinstance(bound, timestamp_pb2.Timestamp):
        return bound
    if bound.tzinfo is None or bound.utcoffset() is None:
        # protobuf would take a naive datetime as UTC; datetime.now() is
        # local time, and the filter would be off by the zone's offset.
        raise ValueError(
            f"{field}: give a timezone-aware datetime (datetime.now(timezone.utc)), "
            f"not the naive {bound.isoformat()}"
        )
    made = timestamp_pb2.Timestamp()
    made.FromDatetime(bound)
    return made


def list_request(
    *,
    flow_ids: Iterable[str],
    states: Iterable[State],
    label_selector: str,
    create_time_from: Optional[TimeBound],
    create_time_to: Optional[TimeBound],
    page_size: Optional[int],
    page_token: Optional[str],
) -> compile_pb2.ListCompilesRequest:
    """The ListCompilesRequest of a ``list`` or ``list_page`` (the filter
    arguments as ``compile_filter`` takes them)."""
    request = compile_pb2.ListCompilesRequest(
        filter=compile_filter(
            flow_ids, states, label_selector, create_time_from, create_time_to
        )
    )
    if page_size is not None:
        request.page_size = page_size
    if page_token:
        request.page_token = page_token
    return request


def get_request(name: str) -> compile_pb2.GetCompileRequest:
    return compile_pb2.GetCompileRequest(name=name)


def lookup_request(request_id: str) -> compile_pb2.LookupCompileRequest:
    return compile_pb2.LookupCompileRequest(request_id=request_id)


def watch_cursor(
    *,
    name: Optional[str],
    flow_id: Optional[str],
    after_sequence: Optional[int],
    include_markers: bool,
    retry: WatchRetry,
    rng: random.Random,
    timeout: Optional[float],
) -> WatchCursor:
    """The cursor of a ``watch``, its arguments checked."""
    check_watch_target(name, flow_id, after_sequence)
    return WatchCursor(
        name=name or "",
        flow_id=flow_id or "",
        after_sequence=after_sequence,
        include_markers=include_markers,
        retry=retry,
        rng=rng,
        timeout=timeout,
    )


def collection_cursor(
    *,
    flow_ids: Iterable[str],
    states: Iterable[State],
    label_selector: str,
    create_time_from: Optional[TimeBound],
    create_time_to: Optional[TimeBound],
    after_revision: Optional[int],
    include_markers: bool,
    retry: WatchRetry,
    rng: random.Random,
    timeout: Optional[float],
) -> CollectionCursor:
    """The cursor of a ``watch_compiles``, its arguments checked."""
    check_after_revision(after_revision)
    return CollectionCursor(
        compile_filter=compile_filter(
            flow_ids, states, label_selector, create_time_from, create_time_to
        ),
        after_revision=after_revision,
        include_markers=include_markers,
        retry=retry,
        rng=rng,
        timeout=timeout,
    )


def check_watch_target(
    name: Optional[str], flow_id: Optional[str], after_sequence: Optional[int]
) -> None:
    if bool(name) == bool(flow_id):
        raise ValueError("watch: give exactly one of name and flow_id")
    if after_sequence is not None and not name:
        raise ValueError("watch: after_sequence needs a name (sequences belong to one compile)")
    if after_sequence is not None and not 0 <= after_sequence < 2**64:
        raise ValueError(f"watch: after_sequence {after_sequence} is not a uint64")


def check_after_revision(after_revision: Optional[int]) -> None:
    if after_revision is not None and not 0 <= after_revision < 2**64:
        raise ValueError(f"watch_compiles: after_revision {after_revision} is not a uint64")


def start_retry_delay(
    code: grpc.StatusCode,
    attempt: int,
    request_id: Optional[str],
    policy: StartRetry,
    rng: random.Random,
    deadline: Deadline,
) -> Optional[float]:
    """The delay before retrying a start whose attempt number ``attempt``
    (1 for the first) failed with ``code``; ``None`` when it must not be
    retried."""
    if not request_id or code not in RETRYABLE_START_CODES:
        return None
    if attempt >= policy.max_attempts:
        return None
    delay = backoff_delay(attempt - 1, policy.initial_delay, policy.max_delay, rng)
    return delay if deadline.allows(delay) else None


def log_start_retry(
    flow_id: str,
    request_id: Optional[str],
    code: grpc.StatusCode,
    details: Optional[str],
    delay: float,
) -> None:
    logger.warning(
        "StartCompile %s (request_id %s) failed (%s); retrying in %.2fs",
        flow_id,
        request_id,
        describe(code, details),
        delay,
    )


def list_retry_delay(
    code: grpc.StatusCode,
    attempt: int,
    policy: ListRetry,
    rng: random.Random,
    deadline: Deadline,
) -> Optional[float]:
    """The delay before retrying a ListCompiles page whose attempt number
    ``attempt`` (1 for the first) failed with ``code``; ``None`` when it
    must not be retried. A page is read-only: retrying it is always safe."""
    if code not in RETRYABLE_LIST_CODES or attempt >= policy.max_attempts:
        return None
    delay = backoff_delay(attempt - 1, policy.initial_delay, policy.max_delay, rng)
    return delay if deadline.allows(delay) else None


def log_list_retry(code: grpc.StatusCode, details: Optional[str], delay: float) -> None:
    logger.warning(
        "ListCompiles failed (%s); retrying in %.2fs", describe(code, details), delay
    )


def final_compile(
    started: compile_pb2.Compile, terminal: compile_pb2.CompileEvent
) -> compile_pb2.Compile:
    """The compile as its terminal event leaves it (what GetCompile would
    answer then): ``started`` with the event's state, diagnostics and time."""
    final = compile_pb2.Compile()
    final.CopyFrom(started)
    if terminal.name:
        final.name = terminal.name
    final.state = terminal.state
    final.upstream_status = terminal.upstream_status
    del final.errors[:]
    final.errors.extend(terminal.errors)
    del final.warnings[:]
    final.warnings.extend(terminal.warnings)
    if terminal.HasField("time"):
        final.update_time.CopyFrom(terminal.time)
    final.revision = terminal.revision
    return final

