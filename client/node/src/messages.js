// The package's message types and their conversion from and to the wire
// objects @grpc/proto-loader makes (see contract.js for its options).
//
// What a caller sees differs from the wire objects in these ways:
// - enums by their short names: 'COMPLETED', not 'STATE_COMPLETED'; a value
//   the package's copy of the contract does not know stays its number;
// - uint64 sequences and revisions as BigInt: exact up to 2^64 - 1, where
//   Number is exact only to 2^53 and the string loses ordering (a resume
//   cursor that is off by one skips or repeats an event);
// - Timestamps as Date (millisecond precision), Durations as milliseconds;
// - directives as a plain JSON-like object instead of a google.protobuf.Struct;
// - labels as a plain object of strings, key to value;
// - a batch item's ItemStatus as a GatewayError (code and message).
import { Code, GatewayError } from './errors.js';

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
    labels: { ...compile.labels },
    revision: BigInt(compile.revision ?? 0),
  };
}

/** A ListCompilesResponse from its wire object: one page of a list. */
export function listPageFromWire(response) {
  return {
    compiles: response.compiles.map(compileFromWire),
    nextPageToken: response.nextPageToken,
    revision: BigInt(response.revision ?? 0),
  };
}

/**
 * The results of a BatchStartCompilesResponse wire object for `count`
 * items: per item, in order, its Compile or a GatewayError of its
 * ItemStatus. An answer without one result per item is a GatewayError
 * UNKNOWN, thrown: the call's, not an item's.
 */
export function batchResultsFromWire(response, count) {
  if (response.results.length !== count) {
    throw new GatewayError(
      Code.UNKNOWN,
      `the gateway answered ${response.results.length} results for ${count} items; ` +
        'look the keyed items up by requestId',
    );
  }
  return response.results.map((result) => {
    if (result.compile) return compileFromWire(result.compile);
    if (result.status) {
      // Never OK, says the contract; a broken peer's OK is no success.
      const { code, message } = result.status;
      return new GatewayError(code === Code.OK ? Code.UNKNOWN : code, message);
    }
    return new GatewayError(Code.UNKNOWN, 'the gateway sent no result for this item');
  });
}

/**
 * A WatchCompilesResponse from its wire object: the event (a marker has only
 * its type), the compile as the event's commit left it (null on markers),
 * the cursor to resume after and, where stated, the heartbeat interval.
 */
export function collectionMessageFromWire(message) {
  const event = eventFromWire(message.event ?? EMPTY_WIRE_EVENT);
  return {
    event,
    compile: message.compile ? compileFromWire(message.compile) : null,
    resumeAfterRevision: BigInt(message.resumeAfterRevision ?? 0),
    heartbeatIntervalMs: millisecondsFromWire(message.heartbeatInterval),
  };
}

// What eventFromWire reads of a message without an event (never sent; a
// broken peer): an UNSPECIFIED event with nothing in it.
const EMPTY_WIRE_EVENT = Object.freeze({
  sequence: '0',
  type: 'EVENT_TYPE_UNSPECIFIED',
  state: 'STATE_UNSPECIFIED',
  previousState: 'STATE_UNSPECIFIED',
  errors: [],
  warnings: [],
  time: null,
  name: '',
  upstreamStatus: '',
  detail: '',
  throttledUntil: null,
  resumeAfterSequence: '0',
  heartbeatInterval: null,
  revision: '0',
});

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

/**
 * Labels (a plain object, key to string value) as the wire map. Only their
 * types are checked here (TypeError naming the label); the gateway checks
 * the Kubernetes syntax and limits, refusing a bad label with
 * INVALID_ARGUMENT naming it and the rule.
 */
export function labelsToWire(labels) {
  if (
    labels === null ||
    typeof labels !== 'object' ||
    Array.isArray(labels) ||
    !isPlainObject(labels)
  ) {
    throw new TypeError("labels must be a plain object of strings, e.g. { pipeline: 'checkout' }");
  }
  const wire = {};
  for (const [key, value] of Object.entries(labels)) {
    if (typeof value !== 'string') {
      throw new TypeError(`labels["${key}"] must be a string, got ${typeof value}`);
    }
    wire[key] = value;
  }
  return wire;
}

/**
 * The StartCompileRequest wire object of start(flowId, {requestId,
 * directives, labels}): what start and each item of batchStart send.
 * Throws TypeError for a value of the wrong type, naming it; what is
 * well-typed but invalid (a flow id or label the gateway refuses) is the
 * gateway's INVALID_ARGUMENT.
 */
export function startRequestToWire(flowId, { requestId, directives, labels } = {}) {
  if (typeof flowId !== 'string') throw new TypeError('flowId must be a string');
  if (requestId !== undefined && typeof requestId !== 'string') {
    throw new TypeError('requestId must be a string');
  }
  return {
    flowId,
    requestId: requestId ?? '',
    directives: directives === undefined ? null : structToWire(directives),
    labels: labels === undefined ? {} : labelsToWire(labels),
  };
}

const STATE_WIRE_NAMES = new Set(Object.values(State));

function stateToWire(state, what) {
  if (typeof state === 'string' && STATE_WIRE_NAMES.has(state)) {
    return `${ENUM_PREFIXES.State}${state}`;
  }
  // A state this copy of the contract does not know, by its number.
  if (Number.isInteger(state) && state >= 0) return state;
  throw new TypeError(`${what} must be a State (e.g. State.QUEUED), got ${String(state)}`);
}

function timestampToWire(date, what) {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw new TypeError(`${what} must be a valid Date`);
  }
  const ms = date.getTime();
  const seconds = Math.floor(ms / 1000);
  return { seconds: String(seconds), nanos: (ms - seconds * 1000) * 1e6 };
}

/**
 * The CompileFilter wire object of `filter` ({flowIds, states,
 * labelSelector, createTimeFrom, createTimeTo}, each optional): states as
 * State values, times as Dates. Throws TypeError for a value of the wrong
 * type, naming it; what is well-typed but invalid (an unknown flow id
 * syntax, a malformed selector) the gateway refuses with INVALID_ARGUMENT.
 */
export function filterToWire({
  flowIds,
  states,
  labelSelector,
  createTimeFrom,
  createTimeTo,
} = {}) {
  const wire = {
    flowIds: [],
    states: [],
    labelSelector: '',
    createTimeFrom: null,
    createTimeTo: null,
  };
  if (flowIds !== undefined) {
    if (!Array.isArray(flowIds) || !flowIds.every((id) => typeof id === 'string')) {
      throw new TypeError('flowIds must be an array of strings');
    }
    wire.flowIds = [...flowIds];
  }
  if (states !== undefined) {
    if (!Array.isArray(states)) throw new TypeError('states must be an array of States');
    wire.states = states.map((state, i) => stateToWire(state, `states[${i}]`));
  }
  if (labelSelector !== undefined) {
    if (typeof labelSelector !== 'string') throw new TypeError('labelSelector must be a string');
    wire.labelSelector = labelSelector;
  }
  if (createTimeFrom !== undefined) {
    wire.createTimeFrom = timestampToWire(createTimeFrom, 'createTimeFrom');
  }
  if (createTimeTo !== undefined) {
    wire.createTimeTo = timestampToWire(createTimeTo, 'createTimeTo');
  }
  return wire;
}
