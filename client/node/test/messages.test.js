// Unit tests of the message conversions, the backoff and the package's
// enum tables; no gateway needed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Backoff } from '../src/backoff.js';
import { enumDefinition } from '../src/contract.js';
import {
  ENUM_PREFIXES,
  ErrorCategory,
  EventType,
  State,
  collectionMessageFromWire,
  compileFromWire,
  eventFromWire,
  filterToWire,
  labelsToWire,
  listPageFromWire,
  structToWire,
  toUint64,
} from '../src/messages.js';

describe('enum tables', () => {
  for (const [name, table] of Object.entries({ State, EventType, ErrorCategory })) {
    it(`${name} lists exactly the contract's values without their prefix`, () => {
      const fromProto = enumDefinition(name).type.value.map((value) =>
        value.name.slice(ENUM_PREFIXES[name].length),
      );
      assert.deepEqual(Object.keys(table).sort(), [...fromProto].sort());
      for (const [key, value] of Object.entries(table)) assert.equal(key, value);
    });
  }
});

describe('eventFromWire', () => {
  it('gives sequences as BigInt, exact beyond 2^53, and enums by short name', () => {
    const event = eventFromWire({
      sequence: '18446744073709551615',
      type: 'EVENT_TYPE_STATE_CHANGED',
      state: 'STATE_FAILED',
      previousState: 'STATE_IN_PROGRESS',
      errors: [
        {
          category: 'ERROR_CATEGORY_SYNTAX',
          code: 'SYNTAX_ERROR',
          message: 'm',
          location: { line: 13, column: 7 },
        },
      ],
      warnings: [],
      time: { seconds: '1700000000', nanos: 123456789 },
      name: 'flows/f/compiles/c',
      upstreamStatus: 'FAILED',
      detail: '',
      throttledUntil: null,
      resumeAfterSequence: '9007199254740993',
      heartbeatInterval: { seconds: '30', nanos: 500000000 },
    });
    assert.equal(event.sequence, 18446744073709551615n);
    assert.equal(event.resumeAfterSequence, 9007199254740993n);
    assert.equal(event.type, EventType.STATE_CHANGED);
    assert.equal(event.state, State.FAILED);
    assert.equal(event.previousState, State.IN_PROGRESS);
    assert.deepEqual(event.errors, [
      {
        category: ErrorCategory.SYNTAX,
        code: 'SYNTAX_ERROR',
        message: 'm',
        location: { line: 13, column: 7 },
      },
    ]);
    assert.equal(event.time.getTime(), 1700000000123);
    assert.equal(event.throttledUntil, null);
    assert.equal(event.heartbeatIntervalMs, 30500);
  });

  it('keeps an enum number the contract copy does not know', () => {
    const compile = compileFromWire({
      name: 'n',
      flowId: 'f',
      compileId: 'c',
      state: 42,
      upstreamStatus: '',
      errors: [],
      warnings: [],
      createTime: null,
      updateTime: null,
    });
    assert.equal(compile.state, 42);
    assert.equal(compile.createTime, null);
  });
});

function wireCompile(overrides = {}) {
  return {
    name: 'flows/f/compiles/c',
    flowId: 'f',
    compileId: 'c',
    state: 'STATE_QUEUED',
    upstreamStatus: 'QUEUED',
    errors: [],
    warnings: [],
    createTime: { seconds: '1700000000', nanos: 0 },
    updateTime: null,
    labels: {},
    revision: '0',
    ...overrides,
  };
}

describe('compileFromWire and the list and watch messages', () => {
  it('gives labels as a plain object and revisions as BigInt, exact beyond 2^53', () => {
    const page = listPageFromWire({
      compiles: [wireCompile({ labels: { pipeline: 'checkout' }, revision: '9007199254740993' })],
      nextPageToken: 'next',
      revision: '18446744073709551615',
    });
    assert.equal(page.revision, 18446744073709551615n);
    assert.equal(page.nextPageToken, 'next');
    assert.deepEqual(page.compiles[0].labels, { pipeline: 'checkout' });
    assert.equal(page.compiles[0].revision, 9007199254740993n);
    assert.equal(page.compiles[0].state, State.QUEUED);
  });

  it('turns a WatchCompiles event into {event, compile, resumeAfterRevision}', () => {
    const message = collectionMessageFromWire({
      event: {
        ...eventWire(),
        type: 'EVENT_TYPE_STATE_CHANGED',
        state: 'STATE_QUEUED',
        revision: '9007199254740993',
      },
      compile: wireCompile(),
      resumeAfterRevision: '9007199254740993',
      heartbeatInterval: { seconds: '30', nanos: 0 },
    });
    assert.equal(message.event.revision, 9007199254740993n);
    assert.equal(message.resumeAfterRevision, 9007199254740993n);
    assert.equal(message.compile.name, 'flows/f/compiles/c');
    assert.equal(message.heartbeatIntervalMs, 30_000);

    const marker = collectionMessageFromWire({
      event: { ...eventWire(), type: 'EVENT_TYPE_HEARTBEAT' },
      compile: null,
      resumeAfterRevision: '41',
      heartbeatInterval: null,
    });
    assert.equal(marker.event.type, EventType.HEARTBEAT);
    assert.equal(marker.compile, null);
    assert.equal(marker.resumeAfterRevision, 41n);
    assert.equal(marker.heartbeatIntervalMs, null);
  });
});

function eventWire() {
  return {
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
  };
}

describe('filterToWire and labelsToWire', () => {
  it('sends states by their full names and times as Timestamps', () => {
    assert.deepEqual(
      filterToWire({
        flowIds: ['a', 'b'],
        states: [State.FAILED, State.TIMED_OUT, 9],
        labelSelector: 'pipeline=checkout',
        createTimeFrom: new Date(1700000000123),
        createTimeTo: new Date(-1),
      }),
      {
        flowIds: ['a', 'b'],
        states: ['STATE_FAILED', 'STATE_TIMED_OUT', 9],
        labelSelector: 'pipeline=checkout',
        createTimeFrom: { seconds: '1700000000', nanos: 123_000_000 },
        createTimeTo: { seconds: '-1', nanos: 999_000_000 },
      },
    );
    assert.deepEqual(filterToWire({}), {
      flowIds: [],
      states: [],
      labelSelector: '',
      createTimeFrom: null,
      createTimeTo: null,
    });
  });

  it('refuses values of the wrong type, naming them', () => {
    assert.throws(() => filterToWire({ states: ['STATE_FAILED'] }), {
      name: 'TypeError',
      message: /^states\[0\] must be a State/,
    });
    assert.throws(() => filterToWire({ createTimeTo: new Date(Number.NaN) }), {
      message: /^createTimeTo must be a valid Date/,
    });
    assert.throws(() => filterToWire({ flowIds: ['a', 1] }), TypeError);
    assert.throws(() => filterToWire({ labelSelector: ['a'] }), TypeError);
    assert.deepEqual(labelsToWire({ a: 'b', empty: '' }), { a: 'b', empty: '' });
    assert.throws(() => labelsToWire({ a: 1 }), { message: /^labels\["a"\] must be a string/ });
    assert.throws(() => labelsToWire(new Map()), TypeError);
  });
});

describe('toUint64', () => {
  it('takes BigInt, safe integers and decimal strings up to 2^64 - 1', () => {
    assert.equal(toUint64(5n, 'x'), 5n);
    assert.equal(toUint64(7, 'x'), 7n);
    assert.equal(toUint64('18446744073709551615', 'x'), 18446744073709551615n);
  });

  it('refuses what cannot be an exact uint64, naming the argument', () => {
    assert.throws(() => toUint64(2 ** 53, 'afterSequence'), {
      name: 'RangeError',
      message: /afterSequence/,
    });
    assert.throws(() => toUint64(-1n, 'afterSequence'), RangeError);
    assert.throws(() => toUint64('18446744073709551616', 'afterSequence'), RangeError);
    assert.throws(() => toUint64('1e3', 'afterSequence'), TypeError);
    assert.throws(() => toUint64(1.5, 'afterSequence'), RangeError);
  });
});

describe('structToWire', () => {
  it('turns a JSON-like object into a Struct, leaving out undefined members', () => {
    assert.deepEqual(structToWire({ a: 1, b: 'x', c: [true, null], d: { e: {} }, f: undefined }), {
      fields: {
        a: { numberValue: 1 },
        b: { stringValue: 'x' },
        c: { listValue: { values: [{ boolValue: true }, { nullValue: 'NULL_VALUE' }] } },
        d: { structValue: { fields: { e: { structValue: { fields: {} } } } } },
      },
    });
  });

  it('refuses values JSON cannot carry, naming their path', () => {
    assert.throws(() => structToWire({ a: { b: [1, 2, 3n] } }), {
      name: 'TypeError',
      message: /^directives\.a\.b\[2\]: a BigInt/,
    });
    assert.throws(() => structToWire({ when: new Date(0) }), {
      message: /^directives\.when: a Date/,
    });
    assert.throws(() => structToWire([]), { message: /directives must be a plain object/ });
  });
});

describe('Backoff', () => {
  it('draws below a ceiling that doubles up to the cap', () => {
    const backoff = new Backoff({ initialDelayMs: 200, maxDelayMs: 1000 }, () => 0.999999);
    assert.deepEqual(
      [0, 1, 2, 3, 10].map((retry) => backoff.ceilingMs(retry)),
      [200, 400, 800, 1000, 1000],
    );
    assert.deepEqual(
      [0, 1, 2, 3].map((retry) => backoff.delayMs(retry)),
      [200, 400, 800, 1000],
    );
    const low = new Backoff({ initialDelayMs: 200, maxDelayMs: 1000 }, () => 0);
    assert.equal(low.delayMs(3), 0);
  });

  it('refuses a cap below the first delay', () => {
    assert.throws(() => new Backoff({ initialDelayMs: 10, maxDelayMs: 5 }), RangeError);
  });
});
