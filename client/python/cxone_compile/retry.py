"""How the client retries: the policies a :class:`~cxone_compile.Client` is
given, and the backoff and deadline arithmetic they share.

Delays are full-jitter exponential backoff, as the gateway's own
(common/backoff.h): retry ``n`` (0 first) waits a time drawn uniformly from
``[0, min(max_delay, initial_delay * 2**n)]``, so that the many clients one
gateway restart disconnects do not all come back at once. The randomness
comes from a ``random.Random`` the caller may seed.
"""

from __future__ import annotations

import dataclasses
import random
import time
from typing import Optional


@dataclasses.dataclass(frozen=True)
class StartRetry:
    """How ``start`` retries a call that has a ``request_id`` (the key makes
    a retry safe: the gateway never triggers CXone twice for it) and failed
    UNAVAILABLE or RESOURCE_EXHAUSTED. A start without a request_id is never
    retried."""

    #: Seconds: the ceiling of the first delay.
    initial_delay: float = 0.2
    #: Seconds: the largest ceiling.
    max_delay: float = 10.0
    #: Attempts per call, the first included (the call's ``timeout``, when
    #: given, bounds them too).
    max_attempts: int = 10


@dataclasses.dataclass(frozen=True)
class ListRetry:
    """How ``list`` and ``list_page`` retry a page that failed UNAVAILABLE
    (the gateway unreachable, restarting or draining). A page is read-only,
    so a retry is always safe; other errors are answers, never retried."""

    #: Seconds: the ceiling of the first delay.
    initial_delay: float = 0.2
    #: Seconds: the largest ceiling.
    max_delay: float = 10.0
    #: Attempts per page, the first included (the call's ``timeout``, when
    #: given, bounds them too).
    max_attempts: int = 10


@dataclasses.dataclass(frozen=True)
class WatchRetry:
    """How ``watch`` and ``watch_compiles`` reconnect a stream that broke."""

    #: Seconds: the ceiling of the first delay.
    initial_delay: float = 0.2
    #: Seconds: the largest ceiling.
    max_delay: float = 10.0
    #: Reconnects in a row that receive nothing before the watch gives up
    #: (a stream that delivered anything, a marker included, resets the
    #: count and the backoff: the gateway was reachable); 0 never
    #: reconnects.
    max_reconnects: int = 50


def backoff_delay(
    retry: int, initial_delay: float, max_delay: float, rng: random.Random
) -> float:
    """The delay in seconds before retry number ``retry`` (0 for the first)."""
    ceiling = min(max_delay, initial_delay * 2.0 ** min(retry, 60))
    return rng.uniform(0.0, ceiling)


class Deadline:
    """The end of a call's ``timeout`` (seconds; ``None`` for none), on the
    monotonic clock."""

    def __init__(self, timeout: Optional[float]) -> None:
        if timeout is not None and timeout < 0:
            raise ValueError(f"timeout must not be negative, got {timeout}")
        self._timeout = timeout
        self._end = None if timeout is None else time.monotonic() + timeout

    @property
    def timeout(self) -> Optional[float]:
        return self._timeout

    def remaining(self) -> Optional[float]:
        """Seconds left (at least 0), or ``None`` without a deadline."""
        if self._end is None:
            return None
        return max(0.0, self._end - time.monotonic())

    def expired(self) -> bool:
        return self._end is not None and time.monotonic() >= self._end

    def allows(self, delay: float) -> bool:
        """Whether waiting ``delay`` seconds still leaves time for a call."""
        left = self.remaining()
        return left is None or delay < left
