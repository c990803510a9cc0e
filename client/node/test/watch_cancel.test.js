// Ending a watch early is quiet: leaving the for-await loop, aborting its
// signal (mid-stream or while it waits to reconnect) or closing the client
// ends the iteration without an error, and the gateway's stream is closed.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';

import { Code, GatewayClient } from '../src/index.js';
import { GatewayHarness, waitFor } from './support/gateway_harness.js';

const LIVE_WATCHERS = 'cxone_gateway_live_watchers';

describe('ending a watch early', () => {
  let gateway;
  let client;
  // Anything that escaped as an unhandled rejection or uncaught exception.
  const escaped = [];
  const onEscape = (error) => escaped.push(error);
  before(async () => {
    // Compiles that stay live while the tests end their watches.
    gateway = await GatewayHarness.start({
      simArgs: ['--queued-ms=100', '--in-progress-ms=60000'],
    });
    process.on('unhandledRejection', onEscape);
    process.on('uncaughtExceptionMonitor', onEscape);
  });
  after(async () => {
    process.off('unhandledRejection', onEscape);
    process.off('uncaughtExceptionMonitor', onEscape);
    await gateway?.stop();
  });
  beforeEach(() => {
    client = new GatewayClient(gateway.address, {
      watchRetry: { initialDelayMs: 50, maxDelayMs: 200 },
    });
  });
  afterEach(async () => {
    client.close();
    // Let grpc-js report whatever it would report about the ended calls.
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(escaped, []);
  });

  it('by breaking out of for-await: no error, and the gateway closes the stream', async () => {
    const started = await client.start('left');
    const watch = client.watch(started.name);
    for await (const event of watch) {
      assert.equal(event.name, started.name);
      await waitFor(async () => (await gateway.metric(LIVE_WATCHERS)) === 1, 10_000, 'the watcher');
      break;
    }
    assert.deepEqual(await watch.next(), { value: undefined, done: true });
    await waitFor(
      async () => (await gateway.metric(LIVE_WATCHERS)) === 0,
      10_000,
      'the stream to close',
    );
  });

  it('by aborting its signal mid-stream: the iteration just ends', async () => {
    const started = await client.start('aborted');
    const controller = new AbortController();
    const seen = [];
    for await (const event of client.watch(started.name, {
      signal: controller.signal,
      includeMarkers: true,
    })) {
      seen.push(event);
      // Abort while the loop waits for the next event (none is coming).
      if (seen.length === 1) setTimeout(() => controller.abort(), 50);
    }
    assert.ok(seen.length >= 1);
    await waitFor(
      async () => (await gateway.metric(LIVE_WATCHERS)) === 0,
      10_000,
      'the stream to close',
    );
  });

  it('by aborting while it waits to reconnect to a stopped gateway', async () => {
    const retries = [];
    const watching = new GatewayClient(gateway.address, {
      watchRetry: { initialDelayMs: 50, maxDelayMs: 200 },
      onRetry: (info) => retries.push(info),
    });
    const started = await watching.start('reconnecting');
    await gateway.stopServer('SIGKILL');
    try {
      const controller = new AbortController();
      const iterating = (async () => {
        const seen = [];
        for await (const event of watching.watch(started.name, { signal: controller.signal }))
          seen.push(event);
        return seen;
      })();
      await waitFor(() => retries.length >= 2, 30_000, 'reconnect attempts');
      controller.abort();
      assert.deepEqual(await iterating, []);
    } finally {
      watching.close();
      await gateway.startServer();
    }
  });

  it('by closing the client: watches end quietly, later calls fail CANCELLED', async () => {
    const started = await client.start('closed');
    const iterating = (async () => {
      let count = 0;
      for await (const _ of client.watch(started.name)) {
        if (++count === 1) setTimeout(() => client.close(), 50);
      }
      return count;
    })();
    assert.ok((await iterating) >= 1);
    await assert.rejects(client.get(started.name), { name: 'GatewayError', code: Code.CANCELLED });
    await waitFor(
      async () => (await gateway.metric(LIVE_WATCHERS)) === 0,
      10_000,
      'the stream to close',
    );
  });
});
