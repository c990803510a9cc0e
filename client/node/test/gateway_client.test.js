// GatewayClient against the real gateway and simulator: results, errors as
// GatewayError codes, directives, timeouts, and no retries without a key.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
  Code,
  ErrorCategory,
  EventType,
  GatewayClient,
  GatewayError,
  State,
} from '../src/index.js';
import { assertEveryEventOnceInOrder } from './support/events.js';
import { GatewayHarness } from './support/gateway_harness.js';

describe('GatewayClient', () => {
  let gateway;
  let client;
  before(async () => {
    gateway = await GatewayHarness.start();
    client = new GatewayClient(gateway.address);
  });
  after(async () => {
    client?.close();
    await gateway?.stop();
  });

  it('startAndWait on the syntax-error flow: FAILED with SYNTAX_ERROR at line 13 column 7', async () => {
    const compile = await client.startAndWait('syntax-error', { timeoutMs: 30_000 });
    assert.equal(compile.state, State.FAILED);
    assert.equal(compile.flowId, 'syntax-error');
    assert.match(compile.name, /^flows\/syntax-error\/compiles\/./);
    assert.deepEqual(compile.errors, [
      {
        category: ErrorCategory.SYNTAX,
        code: 'SYNTAX_ERROR',
        message: "expected ',' or '}' after an object member, found a string (missing ','?)",
        location: { line: 13, column: 7 },
      },
    ]);
    assert.deepEqual(compile.warnings, []);
    // The same as the gateway's own record.
    assert.deepEqual(await client.get(compile.name), compile);
  });

  it('watch yields the snapshot, then every change once, ending at the terminal event', async () => {
    const started = await client.start('main-menu');
    const events = [];
    for await (const event of client.watch(started.name)) events.push(event);
    const logged = assertEveryEventOnceInOrder(events, State.COMPLETED);
    assert.equal(logged[0].type, EventType.SNAPSHOT);
    assert.ok(events.every((event) => event.name === started.name));
    assert.ok(logged.some((event) => event.state === State.IN_PROGRESS));
  });

  it('watch with includeMarkers also yields SYNCED, carrying the heartbeat interval', async () => {
    const started = await client.start('markers');
    const events = [];
    for await (const event of client.watch(started.name, { includeMarkers: true }))
      events.push(event);
    const synced = events.find((event) => event.type === EventType.SYNCED);
    assert.ok(synced, 'no SYNCED marker');
    assert.equal(synced.sequence, 0n);
    assert.equal(synced.heartbeatIntervalMs, 30_000);
    assertEveryEventOnceInOrder(events, State.COMPLETED);
  });

  it('watch with afterSequence replays what follows it, as BigInt up to 2^64 - 1', async () => {
    const done = await client.startAndWait('replayed', { timeoutMs: 30_000 });
    const all = [];
    for await (const event of client.watch(done.name, { afterSequence: 0n })) all.push(event);
    const logged = assertEveryEventOnceInOrder(all, State.COMPLETED);
    assert.equal(logged[0].sequence, 1n);

    const rest = [];
    for await (const event of client.watch(done.name, { afterSequence: 1 })) rest.push(event);
    assert.deepEqual(
      rest.map((event) => event.sequence),
      logged.slice(1).map((event) => event.sequence),
    );

    // Past the end of a finished compile: nothing follows, and nothing is
    // yielded twice either.
    const none = [];
    for await (const event of client.watch(done.name, { afterSequence: '18446744073709551615' }))
      none.push(event);
    assert.deepEqual(none, []);
    assert.throws(() => client.watch(done.name, { afterSequence: 2 ** 53 }), RangeError);
  });

  it('passes directives through to CXone unchanged', async () => {
    const directives = { optimize: true, level: 2, tags: ['a', null], nested: { name: 'x' } };
    const compile = await client.start('with-directives', { directives });
    const [upstream] = await gateway.simCompilesOf('with-directives');
    assert.equal(upstream.compileId, compile.compileId);
    assert.deepEqual(upstream.directives, directives);
  });

  it('maps the gateway errors to GatewayError codes', async () => {
    await assert.rejects(client.get('flows/nope/compiles/none'), (error) => {
      assert.ok(error instanceof GatewayError);
      assert.equal(error.code, Code.NOT_FOUND);
      assert.equal(error.codeName, 'NOT_FOUND');
      assert.match(error.message, /^NOT_FOUND: .*flows\/nope\/compiles\/none/);
      return true;
    });
    await assert.rejects(client.get('bad'), { name: 'GatewayError', code: Code.INVALID_ARGUMENT });
    await assert.rejects(client.start('..'), { code: Code.INVALID_ARGUMENT, details: /flow_id/ });
    await assert.rejects(client.start('f', { directives: { a: { b: [1, Number.NaN] } } }), {
      code: Code.INVALID_ARGUMENT,
      details: /directives\.a\.b\[1\]/,
    });
    await assert.rejects(
      (async () => {
        for await (const event of client.watch('flows/nope/compiles/none'))
          assert.fail(`yielded ${event.type}`);
      })(),
      { name: 'GatewayError', code: Code.NOT_FOUND },
    );
    await assert.rejects(
      (async () => {
        for await (const event of client.watch('not a name')) assert.fail(`yielded ${event.type}`);
      })(),
      { code: Code.INVALID_ARGUMENT },
    );
  });

  it('startAndWait rejects with DEADLINE_EXCEEDED beyond its timeout', async () => {
    await assert.rejects(client.startAndWait('slow-to-finish', { timeoutMs: 200 }), {
      name: 'GatewayError',
      code: Code.DEADLINE_EXCEEDED,
      message: /slow-to-finish did not finish within 200 ms/,
    });
  });
});

describe('GatewayClient without a requestId', () => {
  it('never retries: the gateway being down is UNAVAILABLE at once', async () => {
    const gateway = await GatewayHarness.start();
    const retries = [];
    const client = new GatewayClient(gateway.address, { onRetry: (info) => retries.push(info) });
    try {
      await gateway.stopServer('SIGKILL');
      await assert.rejects(client.start('main-menu'), { code: Code.UNAVAILABLE });
      assert.deepEqual(retries, []);
    } finally {
      client.close();
      await gateway.stop();
    }
  });
});
