"""What the sync and the async client share besides the watch cursor: the
channel they make, the requests, the start's retry decisions and the final
Compile of start_and_wait."""

from __future__ import annotations

import random
from typing import Any, List, Mapping, Optional, Tuple, Union

import grpc
from google.protobuf import struct_pb2

from cxone_compile.errors import RETRYABLE_START_CODES
from cxone_compile.retry import Deadline, StartRetry, backoff_delay
from cxone_compile.v1 import compile_pb2

Directives = Union[Mapping[str, Any], struct_pb2.Struct]
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


def metadata_of(caller: Optional[str]) -> Optional[Metadata]:
    """The metadata every call carries: the caller's name as ``x-caller``
    (the gateway's audit log records it)."""
    return (("x-caller", caller),) if caller else None


def start_request(
    flow_id: str, request_id: Optional[str], directives: Optional[Directives]
) -> compile_pb2.StartCompileRequest:
    request = compile_pb2.StartCompileRequest(flow_id=flow_id)
    if request_id:
        request.request_id = request_id
    if isinstance(directives, struct_pb2.Struct):
        request.directives.CopyFrom(directives)
    elif directives is not None:
        request.directives.update(dict(directives))
    return request


def check_watch_target(
    name: Optional[str], flow_id: Optional[str], after_sequence: Optional[int]
) -> None:
    if bool(name) == bool(flow_id):
        raise ValueError("watch: give exactly one of name and flow_id")
    if after_sequence is not None and not name:
        raise ValueError("watch: after_sequence needs a name (sequences belong to one compile)")
    if after_sequence is not None and not 0 <= after_sequence < 2**64:
        raise ValueError(f"watch: after_sequence {after_sequence} is not a uint64")


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

