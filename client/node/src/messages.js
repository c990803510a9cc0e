// The package's message types and their conversion from and to the wire
// objects @grpc/proto-loader makes (see contract.js for its options).
//
// What a caller sees differs from the wire objects in four ways:
// - enums by their short names: 'COMPLETED', not 'STATE_COMPLETED'; a value
//   the package's copy of the contract does not know stays its number;
// - uint64 sequences as BigInt: exact up to 2^64 - 1, where Number is exact
//   only to 2^53 and the string loses ordering (a resume cursor that is off
//   by one skips or repeats an event);
// - Timestamps as Date (millisecond precision), Durations as milliseconds;
// - directives as a plain JSON-like object instead of a google.protobuf.Struct.

/** Compile states (cxone.compile.v1.State without the STATE_ prefix). */
export const State = Object.freeze({
  UNSPECIFIED: 'UNSPECIFIED',
  QUEUED: 'QUEUED',
  IN_PROGRESS: 'IN_PROGRESS',
  COMPLETED: 'COMPLETED',
  FAILED: 'FAILED',
  TIMED_OUT: 'TIMED_OUT',
});

/** Event types (cxone.compile.v1.EventType without EVENT_TYPE_). */
export const EventType = Object.freeze({
  UNSPECIFIED: 'UNSPECIFIED',
  SNAPSHOT: 'SNAPSHOT',
  STATE_CHANGED: 'STATE_CHANGED',
  STUCK: 'STUCK',
  UPSTREAM_ANOMALY: 'UPSTREAM_ANOMALY',
  THROTTLED: 'THROTTLED',
  SYNCED: 'SYNCED',
  HEARTBEAT: 'HEARTBEAT',
});

/** Error categories (cxone.compile.v1.ErrorCategory without ERROR_CATEGORY_). */
export const ErrorCategory = Object.freeze({
  UNSPECIFIED: 'UNSPECIFIED',
  SYNTAX: 'SYNTAX',
  VALIDATION: 'VALIDATION',
  REFERENCE: 'REFERENCE',
  UNKNOWN: 'UNKNOWN',
});

/** The prefix of each enum's value names in the contract. */
export const ENUM_PREFIXES = Object.freeze({
  State: 'STATE_',
  EventType: 'EVENT_TYPE_',
  ErrorCategory: 'ERROR_CATEGORY_',
});

const UINT64_MAX = (1n << 64n) - 1n;
const TERMINAL_STATES = new Set([State.COMPLETED, State.FAILED, State.TIMED_OUT]);
const MARKER_TYPES = new Set([EventType.SYNCED, EventType.HEARTBEAT]);

/** Whether `state` never changes again. */
export function isTerminal(state) {
  return TERMINAL_STATES.has(state);
}

/** Whether an event of `type` is a marker (no logged event, sequence 0). */
export function isMarker(type) {
  return MARKER_TYPES.has(type);
}

function shortName(prefix, value) {
  if (typeof value === 'string' && value.startsWith(prefix)) {
    return value.slice(prefix.length);
  }
  return value;
}

function dateFromWire(timestamp) {
  if (timestamp === null || timestamp === undefined) return null;
  return new Date(Number(timestamp.seconds) * 1000 + Math.floor(timestamp.nanos / 1e6));
}

function millisecondsFromWire(duration) {
  if (duration === null || duration === undefined) return null;
  return Number(duration.seconds) * 1000 + duration.nanos / 1e6;
}

function compileErrorFromWire(error) {
  return {
    category: shortName(ENUM_PREFIXES.ErrorCategory, error.category),
    code: error.code,
    message: error.message,
    location: error.location ? { line: error.location.line, column: error.location.column } : null,
  };
}

/** A Compile from its wire object. */
export function compileFromWire(compile) {
  return {
    name: compile.name,
    flowId: compile.flowId,
    compileId: compile.compileId,
    state: shortName(ENUM_PREFIXES.State, compile.state),
    upstreamStatus: compile.upstreamStatus,
    errors: compile.errors.map(compileErrorFromWire),
    warnings: compile.warnings.map(compileErrorFromWire),
    createTime: dateFromWire(compile.createTime),
    updateTime: dateFromWire(compile.updateTime),
    revision: BigInt(compile.revision ?? 0),
  };
}

/** A CompileEvent from its wire object. */
export function eventFromWire(event) {
  return {
    sequence: BigInt(event.sequence),
    type: shortName(ENUM_PREFIXES.EventType, event.type),
    state: shortName(ENUM_PREFIXES.State, event.state),
    previousState: shortName(ENUM_PREFIXES.State, event.previousState),
    errors: event.errors.map(compileErrorFromWire),
    warnings: event.warnings.map(compileErrorFromWire),
    time: dateFromWire(event.time),
    name: event.name,
    upstreamStatus: event.upstreamStatus,
    detail: event.detail,
    throttledUntil: dateFromWire(event.throttledUntil),
    resumeAfterSequence: BigInt(event.resumeAfterSequence),
    heartbeatIntervalMs: millisecondsFromWire(event.heartbeatInterval),
    revision: BigInt(event.revision ?? 0),
  };
}

/**
 * `value` (a bigint, a non-negative safe integer Number, or a decimal
 * string) as a uint64 BigInt. Throws TypeError or RangeError, naming `what`.
 */
export function toUint64(value, what) {
  let result;
  if (typeof value === 'bigint') {
    result = value;
  } else if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw new RangeError(`${what} must be a safe integer (or a BigInt), got ${value}`);
    }
    result = BigInt(value);
  } else if (typeof value === 'string' && /^[0-9]+$/.test(value)) {
    result = BigInt(value);
  } else {
    throw new TypeError(
      `${what} must be a BigInt, a Number or a decimal string, got ${String(value)}`,
    );
  }
  if (result < 0n || result > UINT64_MAX) {
    throw new RangeError(`${what} must be in [0, 2^64 - 1], got ${result}`);
  }
  return result;
}

function isPlainObject(value) {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function valueToWire(value, path) {
  if (value === null) return { nullValue: 'NULL_VALUE' };
  switch (typeof value) {
    case 'number':
      // NaN and ±Infinity go through: the gateway refuses them with
      // INVALID_ARGUMENT naming the path, as the contract says.
      return { numberValue: value };
    case 'string':
      return { stringValue: value };
    case 'boolean':
      return { boolValue: value };
    case 'object':
      if (Array.isArray(value)) {
        return {
          listValue: { values: value.map((item, i) => valueToWire(item, `${path}[${i}]`)) },
        };
      }
      if (isPlainObject(value)) return { structValue: structToWire(value, path) };
      break;
    default:
      break;
  }
  const kind = value?.constructor?.name ?? typeof value;
  throw new TypeError(
    `${path}: a ${kind} cannot be a directive value (use a plain object, array, ` +
      'string, number, boolean or null; a string for an integer beyond 2^53 - 1)',
  );
}

/**
 * A plain object as a google.protobuf.Struct wire object. Members whose value
 * is undefined are left out, as JSON.stringify does; any other value that is
 * not JSON (a BigInt, a Date, a function, …) throws a TypeError naming its
 * path, e.g. `directives.a.b[2]`.
 */
export function structToWire(object, path = 'directives') {
  if (
    object === null ||
    typeof object !== 'object' ||
    Array.isArray(object) ||
    !isPlainObject(object)
  ) {
    throw new TypeError(`${path} must be a plain object`);
  }
  const fields = {};
  for (const [key, value] of Object.entries(object)) {
    if (value === undefined) continue;
    fields[key] = valueToWire(value, `${path}.${key}`);
  }
  return { fields };
}
