// watch() resumes by itself, missing and repeating nothing, when the
// connection is cut, when it goes silent, and when the gateway restarts.
// The compiles are chatty (a new event on every 30 ms poll), so that every
// break happens while events flow.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { EventType, GatewayClient, State } from '../src/index.js';
import { assertEveryEventOnceInOrder } from './support/events.js';
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

describe('watch resumes', () => {
  it('after cut connections, with nothing missed or repeated', async () => {
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
      const started = await client.start('chatty');
      const events = [];
      let cuts = 0;
      let sinceCut = 0;
      for await (const event of client.watch(started.name)) {
        events.push(event);
        // Cut twice while events flow: a few events in, and again after the
        // first reconnect has delivered more.
        if (event.type === EventType.UPSTREAM_ANOMALY && ++sinceCut > 3 && cuts < 2) {
          proxy.breakAll();
          ++cuts;
          sinceCut = 0;
        }
      }
      assert.equal(cuts, 2);
      const logged = assertEveryEventOnceInOrder(events, State.COMPLETED);
      assert.ok(logged.length >= 10, `only ${logged.length} events`);
      assert.ok(proxy.accepted >= 3, `${proxy.accepted} connections`); // the first and two more
      assert.ok(retries.length >= 2);
      for (const info of retries) {
        assert.equal(info.operation, 'watch');
        assert.equal(typeof info.afterSequence, 'bigint');
      }
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
      const started = await client.start('chatty');
      const events = [];
      let frozen = false;
      let anomalies = 0;
      for await (const event of client.watch(started.name)) {
        events.push(event);
        // Wedge the path: the connection stays open but carries nothing,
        // not even the gateway's heartbeats.
        if (event.type === EventType.UPSTREAM_ANOMALY && ++anomalies > 3 && !frozen) {
          proxy.freezeAll();
          frozen = true;
        }
      }
      assert.ok(frozen);
      assertEveryEventOnceInOrder(events, State.COMPLETED);
      assert.ok(
        retries.some((info) =>
          /no message for 600 ms, twice the heartbeat interval/.test(info.reason),
        ),
        JSON.stringify(retries, (_, value) => (typeof value === 'bigint' ? String(value) : value)),
      );
      assert.ok(proxy.accepted >= 2, `${proxy.accepted} connections`);
    } finally {
      client.close();
      await proxy.close();
      await gateway.stop();
    }
  });

  it('across gateway restarts on the same port and state dir, drained and killed', async () => {
    const gateway = await GatewayHarness.start({
      simArgs: chattySim(10_000),
      serverArgs: CHATTY_SERVER_ARGS,
    });
    const retries = [];
    const client = new GatewayClient(gateway.address, {
      watchRetry: WATCH_RETRY,
      onRetry: (info) => retries.push(info),
    });
    try {
      const started = await client.start('chatty');
      const events = [];
      // First a graceful restart (SIGTERM: the gateway drains, ending the
      // stream with "resume with after_sequence=N"), then a crash.
      const signals = ['SIGTERM', 'SIGKILL'];
      let restarting = null;
      let restarts = 0;
      let sinceRestart = 0;
      for await (const event of client.watch(started.name)) {
        events.push(event);
        if (event.type === EventType.UPSTREAM_ANOMALY) ++sinceRestart;
        if (restarting === null && restarts < signals.length && sinceRestart > 3) {
          const signal = signals[restarts++];
          restarting = (async () => {
            await gateway.stopServer(signal);
            await gateway.startServer();
            sinceRestart = 0;
            restarting = null;
          })();
        }
      }
      await restarting;
      assert.equal(restarts, 2);
      assertEveryEventOnceInOrder(events, State.COMPLETED);
      assert.ok(
        retries.some((info) => /UNAVAILABLE: .*draining.*after_sequence=\d+/.test(info.reason)),
        retries.map((info) => info.reason).join('\n'),
      );
      assert.ok(retries.length >= 2);
    } finally {
      client.close();
      await gateway.stop();
    }
  });
});
