"""CollectionCursor: one watch_compiles' progress across its WatchCompiles
streams, as WatchCursor is one watch's. No I/O and no clock: the sync and
the async client drive it through the same loop as a watch.

- A stream that ends (a WatchCompiles stream never ends by itself: a
  draining or restarting gateway, a reset connection, even an OK end) or
  is silent for twice its ``heartbeat_interval`` is resumed, after a
  backoff, with ``after_revision`` set to the last
  ``resume_after_revision`` received — markers included: a HEARTBEAT
  carries the cursor past events that did not match the filter (a
  bookmark), so resuming skips them. Before anything was received the
  next stream asks as the first did (``after_revision`` given, or none:
  from the current revision).
- OUT_OF_RANGE (the cursor fell behind the gateway's bounded history, or
  ``after_revision`` is older than it) is final: the events in between
  are gone, so only a new list can say what the compiles are now. The
  caller lists again and watches from that list's revision.
- Any other error is final, as is the caller's own timeout;
  ``max_reconnects`` reconnects in a row that receive nothing end the
  watch with the last error.

A message is never delivered twice: an event whose revision is at or
below the last delivered one (or the ``after_revision`` the caller gave)
is skipped. Markers (SYNCED, HEARTBEAT) are delivered only with
``include_markers``.

Not thread-safe: one watch, one cursor, one thread (or task) at a time.
"""

from __future__ import annotations

import random
from typing import Optional

import grpc

from cxone_compile._watch_cursor import Reconnects, StreamEnding, idle_reason
from cxone_compile.enums import is_marker
from cxone_compile.errors import (
    RETRYABLE_WATCH_CODES,
    DeadlineExceededError,
    GatewayError,
    describe,
)
from cxone_compile.retry import WatchRetry
from cxone_compile.v1 import compile_pb2


class CollectionCursor:
    def __init__(
        self,
        *,
        compile_filter: compile_pb2.CompileFilter,
        after_revision: Optional[int],
        include_markers: bool,
        retry: WatchRetry,
        rng: random.Random,
        timeout: Optional[float],
    ) -> None:
        self._filter = compile_filter
        self._include_markers = include_markers
        self._reconnects = Reconnects(retry, rng)
        self._timeout = timeout
        # The `after_revision` of the next stream; None: from the current
        # revision.
        self._resume_after: Optional[int] = after_revision
        # The revision of the last event delivered (or the caller's
        # after_revision): nothing at or below it is delivered again.
        self._last_delivered: Optional[int] = after_revision
        self._received = False
        #: Seconds of silence after which a stream counts as dead: twice the
        #: heartbeat interval the gateway stated (on the first message of
        #: every stream and on every marker).
        self.idle_limit: Optional[float] = None
        #: Never set: a collection has no terminal state.
        self.finished = False

    @property
    def resume_after(self) -> Optional[int]:
        """The ``after_revision`` that resumes the watch where it is."""
        return self._resume_after

    def request(self) -> compile_pb2.WatchCompilesRequest:
        """The request of the next stream."""
        self._received = False
        request = compile_pb2.WatchCompilesRequest(filter=self._filter)
        if self._resume_after is not None:
            request.after_revision = self._resume_after
        return request

    def take(
        self, message: compile_pb2.WatchCompilesResponse
    ) -> Optional[compile_pb2.WatchCompilesResponse]:
        """Records a received message; returns it when it is to be delivered."""
        self._received = True
        if message.HasField("heartbeat_interval"):
            interval = message.heartbeat_interval.ToTimedelta().total_seconds()
            if interval > 0:
                self.idle_limit = 2 * interval
        marker = is_marker(message.event.type)
        resume = message.resume_after_revision
        # A delivered event is behind the cursor, whether or not the gateway
        # filled in resume_after_revision.
        position = message.event.revision or resume
        if not marker and position > resume:
            resume = position
        if self._resume_after is None or resume > self._resume_after:
            self._resume_after = resume
        if marker:
            return message if self._include_markers else None
        if self._last_delivered is not None and position <= self._last_delivered:
            return None
        self._last_delivered = position
        return message

    def ended(
        self,
        code: Optional[grpc.StatusCode],
        details: str,
        *,
        idle: bool,
        deadline_expired: bool,
    ) -> StreamEnding:
        """What to do after the stream ended with ``code`` (``None`` for OK).
        ``idle``: the client cancelled it after ``idle_limit`` of silence."""
        if self._received:
            self._reconnects.received()
        if idle:
            code, reason = grpc.StatusCode.UNAVAILABLE, idle_reason(self.idle_limit)
        elif code == grpc.StatusCode.DEADLINE_EXCEEDED and deadline_expired:
            return StreamEnding(error=self.timed_out())
        elif code is None:
            code = grpc.StatusCode.UNAVAILABLE
            reason = "the stream ended OK, which a WatchCompiles stream never does by itself"
        elif code == grpc.StatusCode.OUT_OF_RANGE:
            # The gateway's message names the oldest revision it retains
            # and says to list again.
            return StreamEnding(error=GatewayError.of(code, details))
        elif code not in RETRYABLE_WATCH_CODES:
            return StreamEnding(error=GatewayError.of(code, details))
        else:
            reason = describe(code, details)

        def note(delay: float) -> str:
            return (
                f"WatchCompiles stream broke ({reason}); reconnecting in "
                f"{delay:.2f}s {self._where()}"
            )

        return self._reconnects.next(code, reason, note)

    def timed_out(self) -> DeadlineExceededError:
        """The error of the caller's timeout expiring."""
        within = "" if self._timeout is None else f" ({self._timeout:g}s)"
        return DeadlineExceededError(
            f"watch_compiles reached its timeout{within}; resume it {self._where()}"
        )

    def _where(self) -> str:
        if self._resume_after is None:
            return "from the current revision"
        return f"after revision {self._resume_after}"
