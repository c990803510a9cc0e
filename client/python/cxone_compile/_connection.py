"""Connection: the channel a client calls through, and the means to replace
it after a silent watch stream.

gRPC puts every call of a channel on the channel's one HTTP/2 connection
while that connection looks healthy. A connection can be wedged without
looking broken (a proxy or NAT that stopped forwarding, TCP still open):
calls on it hang, and only the keepalive ping's timeout (CHANNEL_OPTIONS,
about 40 s) closes it. A watch that noticed the silence itself therefore
calls replace() before it reconnects, so that the next stream (and every
later call) goes over a new channel, hence a new TCP connection, as the
CLI's CompileConnection (client/compile_connection.h). Calls already
running on the old channel finish there; it is closed once the last of
them has.

A channel the caller gave is never replaced nor closed: nothing here knows
how to make another like it.

No I/O of its own: the methods return the channels to close, which the
sync client closes and the async one awaits closing. Thread-safe.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, List, Optional

from cxone_compile.v1 import compile_pb2_grpc


class Lease:
    """One channel and its stub. Call through ``stub`` between
    Connection.acquire() and Connection.release()."""

    def __init__(self, channel: Any) -> None:
        self.channel = channel
        self.stub = compile_pb2_grpc.CompileServiceStub(channel)
        # Guarded by the Connection's lock.
        self._in_flight = 0
        self._replaced = False


class Connection:
    def __init__(self, channel: Any, reopen: Optional[Callable[[], Any]]) -> None:
        """Calls go through ``channel`` until replace(), which takes a new
        one from ``reopen`` (made from the same address and options).
        ``reopen`` None: the caller's channel, kept for good."""
        self._reopen = reopen
        self._lock = threading.Lock()
        self._current = Lease(channel)
        # Replaced leases whose calls have not all finished yet.
        self._retiring: List[Lease] = []
        self._closed = False

    def acquire(self) -> Lease:
        """The lease of the current channel, for one call (or one stream);
        REQUIRES: release() once the call is over."""
        with self._lock:
            self._current._in_flight += 1
            return self._current

    def release(self, lease: Lease) -> Optional[Any]:
        """One call on ``lease`` is over. Returns the channel to close now
        (``lease``'s, when it was replaced and this was its last call)."""
        with self._lock:
            lease._in_flight -= 1
            return self._retire_if_idle(lease)

    def replace(self, stale: Lease) -> Optional[Any]:
        """A stream on ``stale`` was silent: later acquire()s get a new
        channel. Nothing happens if ``stale`` was already replaced (another
        watch noticed first), the channel is the caller's, or close() came
        first. Returns the channel to close now (``stale``'s, when no call
        uses it)."""
        with self._lock:
            if self._reopen is None or self._closed or stale is not self._current:
                return None
            self._current = Lease(self._reopen())
            stale._replaced = True
            self._retiring.append(stale)
            return self._retire_if_idle(stale)

    def close(self) -> List[Any]:
        """The channels to close when the client closes: every one it
        opened and has not closed (none when the channel is the caller's).
        Closing them cancels the calls still on them."""
        with self._lock:
            if self._reopen is None or self._closed:
                return []
            self._closed = True
            channels = [lease.channel for lease in self._retiring]
            self._retiring.clear()
            return channels + [self._current.channel]

    def _retire_if_idle(self, lease: Lease) -> Optional[Any]:
        if not lease._replaced or lease._in_flight > 0 or lease not in self._retiring:
            return None
        self._retiring.remove(lease)
        return lease.channel
