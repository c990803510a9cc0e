"""The contract's enums without their prefixes: ``State.COMPLETED`` for
``STATE_COMPLETED``.

They are ``IntEnum``\\ s with the wire values, so they compare equal to the
plain ints the generated messages hold (``compile.state == State.FAILED``)
and convert from them (``State(event.state)``). The test suite checks that
every value of the contract is here.
"""

from __future__ import annotations

import enum


class State(enum.IntEnum):
    """The state of a compile (``cxone.compile.v1.State``)."""

    UNSPECIFIED = 0
    QUEUED = 1
    IN_PROGRESS = 2
    COMPLETED = 3
    FAILED = 4
    TIMED_OUT = 5

    @property
    def terminal(self) -> bool:
        """Whether the state never changes again."""
        return self in _TERMINAL


_TERMINAL = frozenset({State.COMPLETED, State.FAILED, State.TIMED_OUT})


class EventType(enum.IntEnum):
    """What a CompileEvent reports (``cxone.compile.v1.EventType``).

    SYNCED and HEARTBEAT are markers, not logged events: their ``sequence``
    is 0 and their ``state`` is not set.
    """

    UNSPECIFIED = 0
    SNAPSHOT = 1
    STATE_CHANGED = 2
    STUCK = 3
    UPSTREAM_ANOMALY = 4
    THROTTLED = 5
    SYNCED = 6
    HEARTBEAT = 7

    @property
    def marker(self) -> bool:
        """Whether this is a stream marker (SYNCED, HEARTBEAT)."""
        return self in (EventType.SYNCED, EventType.HEARTBEAT)


class ErrorCategory(enum.IntEnum):
    """The category of a compile error (``cxone.compile.v1.ErrorCategory``)."""

    UNSPECIFIED = 0
    SYNTAX = 1
    VALIDATION = 2
    REFERENCE = 3
    UNKNOWN = 4


def is_terminal(state: int) -> bool:
    """Whether the wire value ``state`` is a terminal state (unknown values,
    which a newer gateway may send, are not)."""
    return state in _TERMINAL


def is_marker(event_type: int) -> bool:
    """Whether the wire value ``event_type`` is a stream marker."""
    return event_type == EventType.SYNCED or event_type == EventType.HEARTBEAT
