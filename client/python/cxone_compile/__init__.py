"""cxone_compile: a Python client of cxone-compile-gateway.

    import cxone_compile

    with cxone_compile.Client("127.0.0.1:50051") as client:
        result = client.start_and_wait("main-menu", request_id="build-7",
                                       timeout=600)
        print(cxone_compile.State(result.state).name)

- :class:`Client` (and :class:`cxone_compile.aio.AsyncClient`): ``start``,
  ``get``, ``watch`` (an iterator that resumes by itself and never yields an
  event twice) and ``start_and_wait``.
- :class:`GatewayError` with ``code`` (a ``grpc.StatusCode``) and
  ``message``, one subclass per documented code (NotFoundError, …).
- :class:`State`, :class:`EventType`, :class:`ErrorCategory`: the
  contract's enums without prefixes.
- The messages are the generated ones (``cxone_compile.v1.compile_pb2``),
  re-exported here: Compile, CompileEvent, CompileError, SourceLocation.
"""

from cxone_compile.client import Client
from cxone_compile.enums import ErrorCategory, EventType, State
from cxone_compile.errors import (
    AbortedError,
    AlreadyExistsError,
    DeadlineExceededError,
    FailedPreconditionError,
    GatewayError,
    InvalidArgumentError,
    NotFoundError,
    OutOfRangeError,
    PermissionDeniedError,
    ResourceExhaustedError,
    UnavailableError,
)
from cxone_compile.retry import StartRetry, WatchRetry
from cxone_compile.v1.compile_pb2 import (
    Compile,
    CompileError,
    CompileEvent,
    SourceLocation,
)

__all__ = [
    "AbortedError",
    "AlreadyExistsError",
    "Client",
    "Compile",
    "CompileError",
    "CompileEvent",
    "DeadlineExceededError",
    "ErrorCategory",
    "EventType",
    "FailedPreconditionError",
    "GatewayError",
    "InvalidArgumentError",
    "NotFoundError",
    "OutOfRangeError",
    "PermissionDeniedError",
    "ResourceExhaustedError",
    "SourceLocation",
    "StartRetry",
    "State",
    "UnavailableError",
    "WatchRetry",
]
