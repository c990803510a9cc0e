// start() with a requestId across a gateway that is briefly down: the
// client retries by itself and CXone is triggered once.
import assert from 'node:assert/strict';
import { it } from 'node:test';

import { Code, GatewayClient, State } from '../src/index.js';
import { GatewayHarness, waitFor } from './support/gateway_harness.js';

it('start with a requestId is retried while the gateway is down and starts one compile', async () => {
  // Compiles outlast the restart, so that the restarted gateway finds the
  // one its predecessor triggered still running and adopts it.
  const gateway = await GatewayHarness.start({
    simArgs: ['--queued-ms=300', '--in-progress-ms=5000'],
  });
  const retries = [];
  const client = new GatewayClient(gateway.address, {
    startRetry: { maxAttempts: 30, initialDelayMs: 50, maxDelayMs: 400 },
    onRetry: (info) => retries.push(info),
  });
  try {
    // CXone takes its time to answer the trigger; the gateway dies while it
    // waits, after the trigger reached CXone.
    await gateway.setSimFaults({ trigger_answer_delay_ms: 3000 });
    const started = client.start('deploy', { requestId: 'node-deploy-1' });
    await waitFor(
      async () => (await gateway.simCompilesOf('deploy')).length === 1,
      30_000,
      'the trigger',
    );
    await gateway.stopServer('SIGKILL');
    // The call failed and is being retried against the closed port.
    await waitFor(() => retries.length >= 3, 30_000, 'three retries');
    await gateway.setSimFaults({ trigger_answer_delay_ms: 0 });
    await gateway.startServer();

    const compile = await started;
    const upstream = await gateway.simCompilesOf('deploy');
    assert.equal(upstream.length, 1, JSON.stringify(upstream));
    assert.equal(compile.compileId, upstream[0].compileId);
    assert.equal(compile.flowId, 'deploy');
    assert.ok(
      retries.every((info) => info.operation === 'start' && info.requestId === 'node-deploy-1'),
    );
    assert.ok(
      retries.every((info) => info.error.code === Code.UNAVAILABLE),
      JSON.stringify(retries),
    );
    assert.deepEqual(
      retries.map((info) => info.attempt),
      retries.map((_, i) => i + 1),
    );

    // The key again: the same compile, and still one trigger.
    const again = await client.start('deploy', { requestId: 'node-deploy-1' });
    assert.equal(again.name, compile.name);
    assert.equal((await gateway.simCompilesOf('deploy')).length, 1);
    const done = await client.startAndWait('deploy', {
      requestId: 'node-deploy-1',
      timeoutMs: 30_000,
    });
    assert.equal(done.state, State.COMPLETED);
    assert.equal(done.name, compile.name);
  } finally {
    client.close();
    await gateway.stop();
  }
});
