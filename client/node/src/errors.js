// GatewayError: how every failed call of this package reports the gateway's
// (or the transport's) gRPC status, and the status codes by name.

/** gRPC status codes (google.rpc.Code), by name. */
export const Code = Object.freeze({
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
});

const CODE_NAMES = Object.freeze(
  Object.fromEntries(Object.entries(Code).map(([name, code]) => [code, name])),
);

/** "NOT_FOUND" for 5; "CODE_<n>" for a number outside the table. */
export function codeName(code) {
  return CODE_NAMES[code] ?? `CODE_${code}`;
}

/**
 * A call failed with gRPC status `code` (a number, compare with Code.*);
 * `codeName` is its name and `details` the gateway's message, which says
 * what to do next. `message` is "<codeName>: <details>". `cause` holds the
 * grpc-js error, when there was one.
 */
export class GatewayError extends Error {
  constructor(code, details, options = undefined) {
    super(`${codeName(code)}: ${details}`, options);
    this.name = 'GatewayError';
    this.code = code;
    this.codeName = codeName(code);
    this.details = details;
  }

  /** The GatewayError of a grpc-js ServiceError (or of anything thrown). */
  static fromGrpc(error) {
    if (error instanceof GatewayError) return error;
    const code = Number.isInteger(error?.code) ? error.code : Code.UNKNOWN;
    const details =
      typeof error?.details === 'string' ? error.details : String(error?.message ?? error);
    return new GatewayError(code, details, { cause: error });
  }
}

/** What a StartCompile with a request id retries: nothing was started. */
export const START_RETRYABLE_CODES = Object.freeze(
  new Set([Code.UNAVAILABLE, Code.RESOURCE_EXHAUSTED]),
);

/**
 * What a ListCompiles page retries, with or without a page token: a list is
 * read-only, so a retry can only return the page again.
 */
export const LIST_RETRYABLE_CODES = Object.freeze(new Set([Code.UNAVAILABLE]));

/**
 * How a WatchCompile stream may end and be resumed with after_sequence (as
 * client/call_status.cc IsRetryableWatchError), and a WatchCompiles stream
 * with after_revision: the gateway draining or restarting, a reset
 * connection, a transport error.
 */
export const WATCH_RETRYABLE_CODES = Object.freeze(
  new Set([
    Code.UNAVAILABLE,
    Code.DEADLINE_EXCEEDED,
    Code.INTERNAL,
    Code.UNKNOWN,
    Code.CANCELLED,
    Code.RESOURCE_EXHAUSTED,
  ]),
);
