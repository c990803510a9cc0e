"""Connection: which channel each call gets, and when a replaced one is to
be closed (the client closes what the methods return)."""

from __future__ import annotations

from typing import Iterator, List

import grpc
import pytest

from cxone_compile._connection import Connection


@pytest.fixture
def channels() -> Iterator[List[grpc.Channel]]:
    """Every channel made here (never connected: nothing calls through
    them); closed after the test."""
    made: List[grpc.Channel] = []
    yield made
    for channel in made:
        channel.close()


@pytest.fixture
def reopen(channels):
    def make() -> grpc.Channel:
        channels.append(grpc.insecure_channel("127.0.0.1:1"))
        return channels[-1]

    return make


def test_a_replaced_channel_nothing_uses_is_closed_at_once(reopen, channels):
    connection = Connection(reopen(), reopen)
    lease = connection.acquire()
    assert connection.release(lease) is None
    assert connection.replace(lease) is channels[0]
    assert connection.acquire().channel is channels[1]


def test_a_replaced_channel_is_closed_after_its_last_call(reopen, channels):
    connection = Connection(reopen(), reopen)
    watch, other = connection.acquire(), connection.acquire()
    assert connection.release(watch) is None
    assert connection.replace(watch) is None  # `other` is still on it
    assert connection.acquire().channel is channels[1]
    assert connection.release(other) is channels[0]


def test_a_channel_is_replaced_once_however_many_watches_noticed(reopen, channels):
    connection = Connection(reopen(), reopen)
    first, second = connection.acquire(), connection.acquire()
    connection.release(first)
    connection.replace(first)
    assert connection.release(second) is channels[0]
    assert connection.replace(second) is None
    assert len(channels) == 2


def test_the_callers_channel_is_never_replaced_nor_closed():
    channel = grpc.insecure_channel("127.0.0.1:1")
    try:
        connection = Connection(channel, None)
        lease = connection.acquire()
        connection.release(lease)
        assert connection.replace(lease) is None
        assert connection.acquire().channel is channel
        assert connection.close() == []
    finally:
        channel.close()


def test_close_returns_every_channel_still_open_once(reopen, channels):
    connection = Connection(reopen(), reopen)
    stuck = connection.acquire()
    connection.replace(stuck)
    assert connection.close() == [channels[0], channels[1]]
    assert connection.release(stuck) is None  # closed already
    assert connection.replace(connection.acquire()) is None
    assert connection.close() == []
