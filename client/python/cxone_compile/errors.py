"""Errors of the gateway as exceptions that carry the gRPC status code.

Every call of :class:`cxone_compile.Client` fails with a
:class:`GatewayError`; the codes the contract documents have their own
subclass, so a caller catches what it handles::

    try:
        client.get(name)
    except cxone_compile.NotFoundError:
        ...

``error.code`` is the ``grpc.StatusCode`` and ``error.message`` the
gateway's message, which names the field or says what to do next. The
``grpc.RpcError`` an error was made from is its ``__cause__``.
"""

from __future__ import annotations

from typing import ClassVar, Dict, Optional, Type

import grpc


class GatewayError(Exception):
    """A call to the gateway failed with ``code`` (never ``OK``)."""

    code: grpc.StatusCode
    message: str

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(f"{code.name}: {message}" if message else code.name)
        self.code = code
        self.message = message

    @staticmethod
    def of(code: grpc.StatusCode, message: str) -> "GatewayError":
        """The error for ``code``: its subclass when it has one."""
        subclass = _BY_CODE.get(code)
        if subclass is None:
            return GatewayError(code, message)
        return subclass(message)

    @staticmethod
    def from_status(code: int, message: str) -> "GatewayError":
        """The error of a google.rpc.Status-like pair (a batch item's
        ItemStatus): ``code`` as its number. A number gRPC does not know,
        or OK (which an error never is), is UNKNOWN, the message saying
        which number it was."""
        status = _BY_NUMBER.get(code)
        if status is None or status == grpc.StatusCode.OK:
            number = f"status code {code}"
            return GatewayError.of(
                grpc.StatusCode.UNKNOWN, f"{number}: {message}" if message else number
            )
        return GatewayError.of(status, message)

    @staticmethod
    def from_rpc_error(error: grpc.RpcError) -> "GatewayError":
        """The error a failed gRPC call stands for."""
        code = error.code() if hasattr(error, "code") else None
        details = error.details() if hasattr(error, "details") else None
        if not isinstance(code, grpc.StatusCode):
            code = grpc.StatusCode.UNKNOWN
        made = GatewayError.of(code, details or "")
        made.__cause__ = error
        return made


class _CodedError(GatewayError):
    CODE: ClassVar[grpc.StatusCode]

    def __init__(self, message: str) -> None:
        super().__init__(self.CODE, message)


class InvalidArgumentError(_CodedError):
    """INVALID_ARGUMENT: a malformed flow id, name, directives or label, a
    list filter, label selector, page size or page token the gateway
    refuses, an empty or malformed request_id; the message names the
    field."""

    CODE = grpc.StatusCode.INVALID_ARGUMENT


class NotFoundError(_CodedError):
    """NOT_FOUND: no compile has that name, CXone does not know the flow, or
    (``lookup``) no start with that request_id is recorded as done; the
    message says whether it is still in flight or unknown."""

    CODE = grpc.StatusCode.NOT_FOUND


class AlreadyExistsError(_CodedError):
    """ALREADY_EXISTS: the request_id was already used for another flow, or
    with other labels."""

    CODE = grpc.StatusCode.ALREADY_EXISTS


class PermissionDeniedError(_CodedError):
    """PERMISSION_DENIED: CXone refused the call; the message names the
    missing OAuth scope."""

    CODE = grpc.StatusCode.PERMISSION_DENIED


class UnauthenticatedError(_CodedError):
    """UNAUTHENTICATED: the gateway identifies callers (by bearer token,
    JWT or client certificate) and the call had no identity it accepts;
    the message says what to send (``token=``, ``token_file=``,
    ``tls_cert=``)."""

    CODE = grpc.StatusCode.UNAUTHENTICATED


class FailedPreconditionError(_CodedError):
    """FAILED_PRECONDITION: CXone rejected the gateway's client credentials
    (or, for webhooks, none are configured)."""

    CODE = grpc.StatusCode.FAILED_PRECONDITION


class AbortedError(_CodedError):
    """ABORTED: CXone says the flow is already compiling without saying
    which compile; retry later."""

    CODE = grpc.StatusCode.ABORTED


class OutOfRangeError(_CodedError):
    """OUT_OF_RANGE: ``after_sequence`` names events no longer retained; for
    ``watch_compiles``, the cursor (``after_revision``) fell behind the
    gateway's history: list again, and watch from the list's revision."""

    CODE = grpc.StatusCode.OUT_OF_RANGE


class ResourceExhaustedError(_CodedError):
    """RESOURCE_EXHAUSTED: too many starts wait for the upstream budget."""

    CODE = grpc.StatusCode.RESOURCE_EXHAUSTED


class UnavailableError(_CodedError):
    """UNAVAILABLE: the gateway (or CXone behind it) cannot be reached, or
    the gateway is draining; with a request_id a start may be retried."""

    CODE = grpc.StatusCode.UNAVAILABLE


class DeadlineExceededError(_CodedError, TimeoutError):
    """DEADLINE_EXCEEDED: the call's own ``timeout`` expired (also a
    ``TimeoutError``)."""

    CODE = grpc.StatusCode.DEADLINE_EXCEEDED


_BY_CODE: Dict[grpc.StatusCode, Type[_CodedError]] = {
    subclass.CODE: subclass
    for subclass in (
        InvalidArgumentError,
        NotFoundError,
        AlreadyExistsError,
        PermissionDeniedError,
        UnauthenticatedError,
        FailedPreconditionError,
        AbortedError,
        OutOfRangeError,
        ResourceExhaustedError,
        UnavailableError,
        DeadlineExceededError,
    )
}

_BY_NUMBER: Dict[int, grpc.StatusCode] = {status.value[0]: status for status in grpc.StatusCode}

# The endings of a watch stream that reconnecting may cure, as the CLI's
# IsRetryableWatchError (client/call_status.cc): a connection or a gateway
# going away (UNAVAILABLE, a draining gateway included; INTERNAL and
# UNKNOWN, which is how gRPC reports a reset stream; CANCELLED the caller
# did not ask for; RESOURCE_EXHAUSTED) and DEADLINE_EXCEEDED not of the
# caller's own timeout. Everything else would fail the same way again.
RETRYABLE_WATCH_CODES = frozenset(
    {
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.INTERNAL,
        grpc.StatusCode.UNKNOWN,
        grpc.StatusCode.CANCELLED,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
    }
)

# The failures of a StartCompile that a retry with the same request_id may
# cure; without a request_id a start is never retried.
RETRYABLE_START_CODES = frozenset(
    {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED}
)

# The failures of a ListCompiles page that a retry may cure: the gateway
# unreachable, restarting or draining. Every other code is an answer (a bad
# filter or page token) that a retry would repeat.
RETRYABLE_LIST_CODES = frozenset({grpc.StatusCode.UNAVAILABLE})


def describe(code: grpc.StatusCode, message: Optional[str]) -> str:
    """``"CODE: message"``, or the code alone without a message."""
    return f"{code.name}: {message}" if message else code.name
