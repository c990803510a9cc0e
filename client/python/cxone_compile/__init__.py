"""cxone_compile: a Python client of cxone-compile-gateway.

    import cxone_compile

    with cxone_compile.Client("127.0.0.1:50051") as client:
        result = client.start_and_wait("main-menu", request_id="build-7",
                                       timeout=600)
        print(cxone_compile.State(result.state).name)

- :class:`Client` (and :class:`cxone_compile.aio.AsyncClient`): ``start``
  (with ``labels``), ``get``, ``lookup`` (by request_id), ``watch`` (an
  iterator that resumes by itself and never yields an event twice),
  ``start_and_wait``, ``list`` (every matching compile, newest first, page
  by page), ``list_page`` (one page with its revision) and
  ``watch_compiles`` (every matching compile's events from a revision,
  resuming by itself), ``batch_start`` (up to 1000 :class:`StartItem`
  starts in one call, a result per item: per item, not atomic).
- :func:`connect` (``cxone_compile.aio.connect``): a client of the
  gateway the CLI would call, from ``server`` (``HOST:PORT``,
  ``https://HOST[:PORT]``, ``dns:///HOST:PORT``), ``tls_ca``,
  ``tls_cert``, ``tls_key``, ``token``/``token_file`` and the CLI's
  ``CXONE_*`` environment variables (see :mod:`cxone_compile.endpoint`).
- :class:`GatewayError` with ``code`` (a ``grpc.StatusCode``) and
  ``message``, one subclass per documented code (NotFoundError, …).
- :class:`State`, :class:`EventType`, :class:`ErrorCategory`: the
  contract's enums without prefixes.
- The messages are the generated ones (``cxone_compile.v1.compile_pb2``),
  re-exported here: Compile, CompileEvent, CompileError, SourceLocation,
  ListCompilesResponse (a page), WatchCompilesResponse (a watch_compiles
  message).
"""

from cxone_compile._calls import BatchResult, StartItem
from cxone_compile.client import Client, connect
from cxone_compile.endpoint import EndpointError, GatewayEndpoint, resolve_endpoint
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
    UnauthenticatedError,
    UnavailableError,
)
from cxone_compile.retry import ListRetry, StartRetry, WatchRetry
from cxone_compile.v1.compile_pb2 import (
    Compile,
    CompileError,
    CompileEvent,
    ListCompilesResponse,
    SourceLocation,
    WatchCompilesResponse,
)

__all__ = [
    "AbortedError",
    "AlreadyExistsError",
    "BatchResult",
    "Client",
    "Compile",
    "CompileError",
    "CompileEvent",
    "DeadlineExceededError",
    "EndpointError",
    "ErrorCategory",
    "EventType",
    "FailedPreconditionError",
    "GatewayEndpoint",
    "GatewayError",
    "InvalidArgumentError",
    "ListCompilesResponse",
    "ListRetry",
    "NotFoundError",
    "OutOfRangeError",
    "PermissionDeniedError",
    "ResourceExhaustedError",
    "SourceLocation",
    "StartItem",
    "StartRetry",
    "State",
    "UnauthenticatedError",
    "UnavailableError",
    "WatchCompilesResponse",
    "WatchRetry",
    "connect",
    "resolve_endpoint",
]
