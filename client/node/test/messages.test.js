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
  compileFromWire,
  eventFromWire,
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
