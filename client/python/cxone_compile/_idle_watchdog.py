"""IdleWatchdog: cancels a watch stream that has gone silent.

The gateway sends a HEARTBEAT marker whenever it has had nothing else to
send for ``heartbeat_interval``, so a stream that delivers nothing for
twice that interval is dead even if its connection looks healthy (a proxy
that lost the upstream, a gateway wedged mid-write). A blocking read of a
gRPC stream cannot time out on its own; the watchdog's thread cancels the
call once the reader has been waiting longer than the limit, and the read
then fails CANCELLED. Only the time spent waiting counts: a consumer that
takes long over an event does not make the stream look dead.

Thread-safe: the reader calls waiting()/busy() (plain attribute stores,
atomic in CPython, so that a fast stream pays no lock per event) and arm();
stop() joins the thread, after which ``cancel`` is not running and will
not run.
"""

from __future__ import annotations

import threading
import time
from typing import Callable, Optional


class IdleWatchdog:
    def __init__(self, cancel: Callable[[], None], limit: Optional[float]) -> None:
        self._cancel = cancel
        self._limit = limit
        self._waiting_since: Optional[float] = None
        self._stopped = threading.Event()
        self._armed = threading.Event()
        if limit is not None:
            self._armed.set()
        #: Whether the watchdog cancelled the call.
        self.fired = False
        self._thread = threading.Thread(
            target=self._run, name="cxone-compile-watch-watchdog", daemon=True
        )
        self._thread.start()

    def arm(self, limit: float) -> None:
        """Sets the longest wait allowed (replacing any earlier limit)."""
        self._limit = limit
        self._armed.set()

    def waiting(self) -> None:
        """The reader starts waiting for the next message."""
        self._waiting_since = time.monotonic()

    def busy(self) -> None:
        """The reader has a message (or the stream ended)."""
        self._waiting_since = None

    def stop(self) -> None:
        self._stopped.set()
        self._armed.set()
        self._thread.join()

    def _run(self) -> None:
        self._armed.wait()
        while not self._stopped.is_set():
            limit = self._limit
            assert limit is not None
            since = self._waiting_since
            pause = limit
            if since is not None:
                silent = time.monotonic() - since
                if silent >= limit:
                    self.fired = True
                    self._cancel()
                    return
                pause = limit - silent
            self._stopped.wait(pause)
