// watchCompiles() against the real gateway: list, then watch from the
// list's revision; every matching event once, in revision order, with its
// compile; resumed by itself across cut and wedged connections and a
// draining gateway; OUT_OF_RANGE raised for a cursor the gateway no longer
// keeps.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Code, EventType, GatewayClient, State, isMarker, isTerminal } from '../src/index.js';
import { GatewayHarness } from './support/gateway_harness.js';
import { TcpProxy } from './support/tcp_proxy.js';

const CHATTY_SERVER_ARGS = [
  '--poll-interval=30ms',
  '--min-poll-interval=30ms',
  '--upstream-rps=500',
  '--upstream-burst=50',
];

function chattySim(inProgressMs) {
  return ['--queued-ms=100', `--in-progress-ms=${inProgressMs}`, '--chatty-flows=chatty'];
}

// Fast reconnects, so that the tests spend their time on events.
const WATCH_RETRY = { initialDelayMs: 50, maxDelayMs: 500 };

/**
 * Reads `watch` until the compile named `name` has its terminal event,
 * calling `onMessage(message, count)` after each; returns the messages.
 */
async function readUntilTerminal(watch, name, onMessage = () => {}) {
  const messages = [];
  for await (const message of watch) {
    messages.push(message);
    await onMessage(message, messages.length);
    if (message.event.name === name && isTerminal(message.event.state)) break;
  }
  return messages;
}

/**
 * Asserts that `messages` hold every event of one compile once: revisions
 * one apart (it is the only compile the gateway logs events of), from
 * `afterRevision` + 1, the last one COMPLETED, each with its compile.
 */
function assertEveryRevisionOnce(messages, afterRevision) {
  assert.ok(messages.length > 0, 'no message');
  messages.forEach(({ event, compile }, i) => {
    assert.ok(!isMarker(event.type), `a ${event.type} marker was yielded`);
    assert.equal(event.revision, afterRevision + BigInt(i) + 1n, `message ${i}`);
    assert.equal(compile.name, event.name);
    assert.equal(compile.state, event.state);
  });
  assert.equal(messages.at(-1).event.state, State.COMPLETED);
}

const stringify = (value) =>
  JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? String(v) : v));

describe('watchCompiles', () => {
  it('from a list revision: the matching events after it, once, in order, with their compile', async () => {
    const gateway = await GatewayHarness.start();
    const client = new GatewayClient(gateway.address);
    try {
      const earlier = await client.startAndWait('watched-early', {
        labels: { pipeline: 'checkout' },
        timeoutMs: 30_000,
      });
      const page = await client.listPage({ labelSelector: 'pipeline=checkout' });
      assert.deepEqual(
        page.compiles.map((compile) => compile.name),
        [earlier.name],
      );

      const later = await client.start('watched-later', { labels: { pipeline: 'checkout' } });
      const other = await client.start('not-watched', { labels: { pipeline: 'nightly' } });
      const messages = await readUntilTerminal(
        client.watchCompiles({ labelSelector: 'pipeline=checkout', afterRevision: page.revision }),
        later.name,
      );
      // Nothing of the compile listed before (it had finished), nothing of
      // the one that does not match, every change of the new one.
      assert.ok(
        messages.every(({ event }) => event.name === later.name),
        stringify(messages.map(({ event }) => event.name)),
      );
      assert.ok(messages.every(({ compile }) => compile.labels.pipeline === 'checkout'));
      for (let i = 1; i < messages.length; ++i) {
        assert.ok(messages[i].event.revision > messages[i - 1].event.revision);
      }
      assert.ok(messages[0].event.revision > page.revision);
      assert.deepEqual(
        messages.map(({ event }) => event.state),
        [State.QUEUED, State.IN_PROGRESS, State.COMPLETED],
      );
      assert.deepEqual(
        messages.map(({ resumeAfterRevision, event }) => resumeAfterRevision === event.revision),
        [true, true, true],
      );
      assert.notEqual(other.name, later.name);
    } finally {
      client.close();
      await gateway.stop();
    }
  });

  it('with includeMarkers yields SYNCED with the heartbeat interval and the cursor', async () => {
    const gateway = await GatewayHarness.start();
    const client = new GatewayClient(gateway.address);
    try {
      const done = await client.startAndWait('marked', { timeoutMs: 30_000 });
      const watch = client.watchCompiles({ afterRevision: 0n, includeMarkers: true });
      const seen = [];
      for await (const message of watch) {
        seen.push(message);
        if (message.event.type === EventType.SYNCED) break;
      }
      const synced = seen.at(-1);
      assert.equal(synced.compile, null);
      assert.equal(synced.heartbeatIntervalMs, 30_000);
      assert.equal(synced.resumeAfterRevision, done.revision);
      assert.deepEqual(
        seen.slice(0, -1).map(({ event }) => event.revision),
        Array.from({ length: Number(done.revision) }, (_, i) => BigInt(i + 1)),
      );
    } finally {
      client.close();
      await gateway.stop();
    }
  });

  it('resumes after cut connections, with nothing missed or repeated', async () => {
    const gateway = await GatewayHarness.start({
      simArgs: chattySim(3000),
      serverArgs: CHATTY_SERVER_ARGS,
    });
    const proxy = await TcpProxy.start(gateway.port);
    const retries = [];
    const client = new GatewayClient(`127.0.0.1:${proxy.port}`, {
      watchRetry: WATCH_RETRY,
      onRetry: (info) => retries.push(info),
    });
    try {
      const { revision } = await client.listPage();
      const started = await client.start('chatty');
      let cuts = 0;
      const messages = await readUntilTerminal(
        client.watchCompiles({ flowIds: ['chatty'], afterRevision: revision }),
        started.name,
        (message, count) => {
          // Cut twice while events flow.
          if (
            cuts < 2 &&
            message.event.type === EventType.UPSTREAM_ANOMALY &&
            count > 4 * (cuts + 1)
          ) {
            proxy.breakAll();
            ++cuts;
          }
        },
      );
      assert.equal(cuts, 2);
      assertEveryRevisionOnce(messages, revision);
      assert.ok(messages.length >= 10, `only ${messages.length} messages`);
      assert.ok(proxy.accepted >= 3, `${proxy.accepted} connections`);
      const watchRetries = retries.filter((info) => info.operation === 'watchCompiles');
      assert.ok(watchRetries.length >= 2, stringify(retries));
      // Each reconnect resumed after what had arrived, not from the start.
      for (const info of watchRetries) assert.ok(info.afterRevision > revision, stringify(info));
    } finally {
      client.close();
      await proxy.close();
      await gateway.stop();
    }
  });

  it('after twice the heartbeat interval of silence, on a new connection', async () => {
    const gateway = await GatewayHarness.start({
      simArgs: chattySim(4000),
      serverArgs: [...CHATTY_SERVER_ARGS, '--heartbeat-interval=300ms'],
    });
    const proxy = await TcpProxy.start(gateway.port);
    const retries = [];
    const client = new GatewayClient(`127.0.0.1:${proxy.port}`, {
      watchRetry: WATCH_RETRY,
      onRetry: (info) => retries.push(info),
    });
    try {
      const { revision } = await client.listPage();
      const started = await client.start('chatty');
      let frozen = false;
      const messages = await readUntilTerminal(
        client.watchCompiles({ afterRevision: revision }),
        started.name,
        (message, count) => {
          // Wedge the path: the connection stays open but carries nothing,
          // not even the gateway's heartbeats.
          if (message.event.type === EventType.UPSTREAM_ANOMALY && count > 4 && !frozen) {
            proxy.freezeAll();
            frozen = true;
          }
        },
      );
      assert.ok(frozen);
      assertEveryRevisionOnce(messages, revision);
      assert.ok(
        retries.some((info) =>
          /no message for 600 ms, twice the heartbeat interval/.test(info.reason),
        ),
        stringify(retries),
      );
      assert.ok(proxy.accepted >= 2, `${proxy.accepted} connections`);
    } finally {
      client.close();
      await proxy.close();
      await gateway.stop();
    }
  });

  it('across a draining gateway restart, from the revision it names', async () => {
    const gateway = await GatewayHarness.start({
      simArgs: chattySim(6000),
      serverArgs: CHATTY_SERVER_ARGS,
    });
    const retries = [];
    const client = new GatewayClient(gateway.address, {
      watchRetry: WATCH_RETRY,
      onRetry: (info) => retries.push(info),
    });
    try {
      const { revision } = await client.listPage();
      const started = await client.start('chatty');
      let restarting = null;
      const messages = await readUntilTerminal(
        client.watchCompiles({ afterRevision: revision }),
        started.name,
        (message, count) => {
          if (restarting === null && count === 5) {
            restarting = (async () => {
              await gateway.stopServer('SIGTERM');
              await gateway.startServer();
            })();
          }
        },
      );
      await restarting;
      assertEveryRevisionOnce(messages, revision);
      assert.ok(
        retries.some((info) => /UNAVAILABLE: .*draining.*after_revision=\d+/.test(info.reason)),
        retries.map((info) => info.reason).join('\n'),
      );
    } finally {
      client.close();
      await gateway.stop();
    }
  });

  it('raises OUT_OF_RANGE for a revision older than the history kept: the caller lists again', async () => {
    const gateway = await GatewayHarness.start({ serverArgs: ['--collection-history=2'] });
    const retries = [];
    const client = new GatewayClient(gateway.address, { onRetry: (info) => retries.push(info) });
    try {
      const done = await client.startAndWait('forgotten', { timeoutMs: 30_000 });
      assert.ok(done.revision > 2n, `revision ${done.revision}`);
      await assert.rejects(
        (async () => {
          for await (const message of client.watchCompiles({ afterRevision: 0n }))
            assert.fail(`yielded ${message.event.type}`);
        })(),
        (error) => {
          assert.equal(error.name, 'GatewayError');
          assert.equal(error.code, Code.OUT_OF_RANGE);
          assert.match(error.details, /list again/);
          return true;
        },
      );
      assert.deepEqual(retries, []);
      // From the list's revision it works.
      const { revision } = await client.listPage();
      const watch = client.watchCompiles({ afterRevision: revision, includeMarkers: true });
      const { value } = await watch.next();
      assert.equal(value.event.type, EventType.SYNCED);
      assert.equal(value.resumeAfterRevision, revision);
      await watch.return();
    } finally {
      client.close();
      await gateway.stop();
    }
  });

  it('refuses a malformed filter with INVALID_ARGUMENT, and arguments of the wrong type', async () => {
    const gateway = await GatewayHarness.start();
    const client = new GatewayClient(gateway.address);
    try {
      await assert.rejects(
        (async () => {
          for await (const message of client.watchCompiles({ labelSelector: '=x' }))
            assert.fail(`yielded ${message.event.type}`);
        })(),
        { name: 'GatewayError', code: Code.INVALID_ARGUMENT },
      );
      assert.throws(() => client.watchCompiles({ afterRevision: -1n }), RangeError);
      assert.throws(() => client.watchCompiles({ states: [42.5] }), TypeError);
    } finally {
      client.close();
      await gateway.stop();
    }
  });
});
