"""The package's surface: enums that match the contract, errors that map
codes, backoff within its bounds — and, when the ctest runner asks, that
the copy under test is the installed one."""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

import grpc
import pytest

import cxone_compile
from cxone_compile import ErrorCategory, EventType, State
from cxone_compile.retry import backoff_delay
from cxone_compile.v1 import compile_pb2


@pytest.mark.parametrize(
    "ours, proto_name, prefix",
    [(State, "State", "STATE_"), (EventType, "EventType", "EVENT_TYPE_"),
     (ErrorCategory, "ErrorCategory", "ERROR_CATEGORY_")],
)
def test_enums_are_the_contracts_without_prefixes(ours, proto_name, prefix):
    contract = compile_pb2.DESCRIPTOR.enum_types_by_name[proto_name]
    assert {prefix + member.name: member.value for member in ours} == {
        value.name: value.number for value in contract.values}


def test_enums_compare_with_the_messages_fields():
    compile_ = compile_pb2.Compile(state=compile_pb2.STATE_FAILED)
    assert compile_.state == State.FAILED
    assert State(compile_.state).terminal
    assert not State.IN_PROGRESS.terminal
    assert EventType.HEARTBEAT.marker and not EventType.SNAPSHOT.marker


@pytest.mark.parametrize(
    "code, error_class",
    [(grpc.StatusCode.NOT_FOUND, cxone_compile.NotFoundError),
     (grpc.StatusCode.INVALID_ARGUMENT, cxone_compile.InvalidArgumentError),
     (grpc.StatusCode.FAILED_PRECONDITION, cxone_compile.FailedPreconditionError),
     (grpc.StatusCode.UNAVAILABLE, cxone_compile.UnavailableError),
     (grpc.StatusCode.ALREADY_EXISTS, cxone_compile.AlreadyExistsError),
     (grpc.StatusCode.DEADLINE_EXCEEDED, cxone_compile.DeadlineExceededError)],
)
def test_each_documented_code_has_its_error_class(code, error_class):
    error = cxone_compile.GatewayError.of(code, "what to do next")
    assert type(error) is error_class
    assert isinstance(error, cxone_compile.GatewayError)
    assert (error.code, error.message) == (code, "what to do next")
    assert str(error) == f"{code.name}: what to do next"


def test_other_codes_are_plain_gateway_errors():
    error = cxone_compile.GatewayError.of(grpc.StatusCode.DATA_LOSS, "x")
    assert type(error) is cxone_compile.GatewayError
    assert error.code == grpc.StatusCode.DATA_LOSS


def test_backoff_stays_under_its_growing_capped_ceiling():
    rng = random.Random(7)
    for retry, ceiling in [(0, 0.2), (1, 0.4), (3, 1.6), (10, 10.0), (500, 10.0)]:
        delays = [backoff_delay(retry, 0.2, 10.0, rng) for _ in range(200)]
        assert all(0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling / 2  # jittered over the whole range


def test_the_package_is_typed():
    root = Path(cxone_compile.__file__).parent
    assert (root / "py.typed").is_file()
    assert (root / "v1" / "compile_pb2.pyi").is_file()


@pytest.mark.skipif(not os.environ.get("CXONE_PYTHON_EXPECT_INSTALLED"),
                    reason="only when run from an installed copy (run_tests)")
def test_the_copy_under_test_is_the_installed_one():
    installed = Path(cxone_compile.__file__).resolve()
    assert installed.is_relative_to(Path(sys.prefix).resolve()), installed
    assert "site-packages" in installed.parts
