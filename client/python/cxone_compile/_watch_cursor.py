"""WatchCursor: one watch's progress across its WatchCompile streams — what
to ask for next, which received events are new, and what a stream's ending
means. No I/O and no clock: the sync and the async client drive the same
cursor, and the behaviour is the CLI's (client/compile_watch.h):

- A stream that ends without the terminal event is resumed with
  ``after_sequence`` set to the last ``resume_after_sequence`` received (no
  ``after_sequence``, i.e. a snapshot, until something was received), after
  a backoff delay, when its ending is retryable (``RETRYABLE_WATCH_CODES``:
  a draining or restarting gateway, a reset connection, …) or it was
  silent for twice its ``heartbeat_interval``.
- A watch by ``flow_id`` learns the compile's ``name`` from its first event
  and resumes by name.
- OUT_OF_RANGE on a resumed stream (the events after ``after_sequence`` are
  no longer kept), or a resumed stream ending OK at once (nothing follows
  the cursor): the watch starts again from a snapshot, at once. A snapshot
  newer than the last event delivered is delivered (the compile as it is
  now); one that is not is skipped.
- Any other error is final, as is the caller's own timeout.
- ``max_reconnects`` reconnects in a row that receive nothing end the
  watch with the last error.

An event is never delivered twice: a logged event whose sequence is at or
below the last delivered one is skipped. Markers (SYNCED, HEARTBEAT) are
delivered only with ``include_markers``.

Not thread-safe: one watch, one cursor, one thread (or task) at a time.

The clients drive every cursor through the same few members
(:class:`StreamCursor`): watch_compiles' CollectionCursor
(_collection_cursor.py) is the other one.
"""

from __future__ import annotations

import dataclasses
import random
from typing import Any, Callable, Optional, Protocol, TypeVar

import grpc

from cxone_compile.enums import is_marker, is_terminal
from cxone_compile.errors import (
    RETRYABLE_WATCH_CODES,
    DeadlineExceededError,
    GatewayError,
    describe,
)
from cxone_compile.retry import WatchRetry, backoff_delay
from cxone_compile.v1 import compile_pb2


@dataclasses.dataclass(frozen=True)
class StreamEnding:
    """What to do after a stream ended without the terminal event: raise
    ``error``, or reconnect after ``delay`` seconds (``note`` says why, for
    the log)."""

    error: Optional[GatewayError] = None
    delay: float = 0.0
    note: str = ""
    #: Whether the note reports trouble (a broken stream, lost events)
    #: rather than the expected end of a resumed stream.
    trouble: bool = True


T_co = TypeVar("T_co", covariant=True)


class StreamCursor(Protocol[T_co]):
    """What a client's stream loop asks of a cursor: the next stream's
    request, what each message means, and what a stream's ending does."""

    #: Seconds of silence after which a stream counts as dead (twice the
    #: heartbeat interval the gateway stated); None until one was stated.
    idle_limit: Optional[float]
    #: Set once the watch is over (a terminal state arrived).
    finished: bool

    def request(self) -> Any: ...

    def take(self, message: Any) -> Optional[T_co]: ...

    def ended(
        self,
        code: Optional[grpc.StatusCode],
        details: str,
        *,
        idle: bool,
        deadline_expired: bool,
    ) -> StreamEnding: ...

    def timed_out(self) -> DeadlineExceededError: ...


def idle_reason(limit: Optional[float]) -> str:
    """Why a silent stream was given up, for the log and the error."""
    return f"no message for {limit:g}s, twice the heartbeat interval"


class Reconnects:
    """The reconnects a watch made in a row that received nothing, and the
    backoff before the next one; ``WatchRetry.max_reconnects`` of them end
    the watch."""

    def __init__(self, retry: WatchRetry, rng: random.Random) -> None:
        self._retry = retry
        self._rng = rng
        self._made = 0

    def received(self) -> None:
        """The last stream delivered something: the gateway was reachable."""
        self._made = 0

    def next(
        self, code: grpc.StatusCode, reason: str, note: Callable[[float], str]
    ) -> StreamEnding:
        """Reconnect after a backoff (``note(delay)`` says so, for the log),
        or, when the reconnects are used up, the error ``code`` saying
        ``reason``."""
        made = self._made
        if made >= self._retry.max_reconnects:
            if self._retry.max_reconnects <= 0:
                return StreamEnding(error=GatewayError.of(code, reason))
            return StreamEnding(
                error=GatewayError.of(
                    code,
                    f"stream broke ({reason}); giving up after {made} reconnects "
                    "in a row received nothing",
                )
            )
        delay = backoff_delay(
            made, self._retry.initial_delay, self._retry.max_delay, self._rng
        )
        self._made += 1
        return StreamEnding(delay=delay, note=note(delay))


class WatchCursor:
    def __init__(
        self,
        *,
        name: str,
        flow_id: str,
        after_sequence: Optional[int],
        include_markers: bool,
        retry: WatchRetry,
        rng: random.Random,
        timeout: Optional[float],
    ) -> None:
        self.name = name
        self.flow_id = flow_id
        self._include_markers = include_markers
        self._reconnects = Reconnects(retry, rng)
        self._timeout = timeout
        # The `after_sequence` of the next stream; None asks for a snapshot.
        self._resume_after: Optional[int] = after_sequence
        # The sequence of the last logged event delivered: nothing at or
        # below it is delivered again.
        self._last_delivered: Optional[int] = after_sequence
        self._resumed = False
        self._received = False
        #: Seconds of silence after which a stream counts as dead: twice the
        #: heartbeat interval the gateway stated. Kept across the watch's
        #: streams, since every stream's first message comes at once.
        self.idle_limit: Optional[float] = None
        #: Set once an event with a terminal state arrived.
        self.finished = False

    def request(self) -> compile_pb2.WatchCompileRequest:
        """The request of the next stream."""
        self._received = False
        self._resumed = False
        if not self.name:
            return compile_pb2.WatchCompileRequest(flow_id=self.flow_id)
        request = compile_pb2.WatchCompileRequest(name=self.name)
        if self._resume_after is not None:
            request.after_sequence = self._resume_after
            self._resumed = True
        return request

    def take(
        self, event: compile_pb2.CompileEvent
    ) -> Optional[compile_pb2.CompileEvent]:
        """Records a received message; returns it when it is to be delivered."""
        self._received = True
        if not self.name and event.name:
            self.name = event.name
        if event.HasField("heartbeat_interval"):
            interval = event.heartbeat_interval.ToTimedelta().total_seconds()
            if interval > 0:
                self.idle_limit = 2 * interval
        marker = is_marker(event.type)
        resume = event.resume_after_sequence
        # A logged event is itself delivered, whether or not the gateway
        # filled in resume_after_sequence.
        if not marker and event.sequence > resume:
            resume = event.sequence
        if self._resume_after is None or resume > self._resume_after:
            self._resume_after = resume
        if marker:
            return event if self._include_markers else None
        if is_terminal(event.state):
            # Terminal states never change again: the watch is over even if
            # this event was delivered before.
            self.finished = True
        if self._last_delivered is not None and event.sequence <= self._last_delivered:
            return None
        self._last_delivered = event.sequence
        return event

    def ended(
        self,
        code: Optional[grpc.StatusCode],
        details: str,
        *,
        idle: bool,
        deadline_expired: bool,
    ) -> StreamEnding:
        """What to do after the stream ended with ``code`` (``None`` for OK)
        before the terminal event. ``idle``: the client cancelled it after
        ``idle_limit`` of silence."""
        if self._received:
            self._reconnects.received()
        error_code = code or grpc.StatusCode.UNKNOWN
        if idle:
            error_code = grpc.StatusCode.UNAVAILABLE
            reason = idle_reason(self.idle_limit)
        elif code is None and not self._resumed:
            # The API ends a stream with OK only after the terminal event; an
            # OK without one is a broken gateway: nothing says how it ended.
            return StreamEnding(
                error=GatewayError(
                    grpc.StatusCode.UNKNOWN,
                    f"the watch stream of {self._display_name()} ended without "
                    "a result (no terminal state received); the outcome is "
                    "unknown",
                )
            )
        elif code == grpc.StatusCode.DEADLINE_EXCEEDED and deadline_expired:
            return StreamEnding(error=self.timed_out())
        elif code is None or code == grpc.StatusCode.OUT_OF_RANGE:
            lost_after = self._resume_after
            self._resume_after = None
            why = "the stream ended OK" if code is None else describe(code, details)
            return StreamEnding(
                note=(
                    f"the gateway has no events of {self.name} after sequence "
                    f"{lost_after} ({why}); watching it again from a snapshot"
                ),
                trouble=code is not None,
            )
        elif code not in RETRYABLE_WATCH_CODES:
            return StreamEnding(error=GatewayError.of(code, details))
        else:
            reason = describe(code, details)
        return self._reconnect(error_code, reason)

    def _reconnect(self, code: grpc.StatusCode, reason: str) -> StreamEnding:
        def note(delay: float) -> str:
            said = (
                f"stream of {self._display_name()} broke ({reason}); "
                f"reconnecting in {delay:.2f}s"
            )
            if self.name and self._resume_after is not None:
                said += f" after sequence {self._resume_after}"
            return said

        return self._reconnects.next(code, reason, note)

    def timed_out(self) -> DeadlineExceededError:
        """The error of the caller's timeout expiring."""
        within = "" if self._timeout is None else f" ({self._timeout:g}s)"
        return DeadlineExceededError(
            f"{self._display_name()} did not finish within the timeout{within}"
        )

    def _display_name(self) -> str:
        return self.name or f"the newest compile of flow {self.flow_id}"
