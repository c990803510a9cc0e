// Labels, lookup() and list() against the real gateway and simulator:
// labels given to start come back everywhere, a requestId finds its
// compile, and a list follows its pages newest first, filtered, retrying a
// page the gateway did not answer.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Code, GatewayClient, GatewayError, State } from '../src/index.js';
import { GatewayHarness, waitFor } from './support/gateway_harness.js';

async function collect(iterable) {
  const items = [];
  for await (const item of iterable) items.push(item);
  return items;
}

const names = (compiles) => compiles.map((compile) => compile.name);

// Starts one compile per flow in order, a few milliseconds apart so that
// their create times differ; returns them in that order.
async function startInOrder(client, flows, options = {}) {
  const started = [];
  for (const flow of flows) {
    started.push(await client.start(flow, options));
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return started;
}

describe('labels, lookup and list', () => {
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

  it('labels given to start come back on get, lookup and list', async () => {
    const labels = { suite: 'labels', 'example.com/team': 'ivr', empty: '' };
    const started = await client.start('labelled', { requestId: 'node-labels-1', labels });
    assert.deepEqual(started.labels, labels);
    assert.deepEqual((await client.get(started.name)).labels, labels);
    assert.deepEqual((await client.lookup('node-labels-1')).labels, labels);
    const [listed, ...more] = await collect(client.list({ labelSelector: 'suite=labels' }));
    assert.deepEqual(more, []);
    assert.equal(listed.name, started.name);
    assert.deepEqual(listed.labels, labels);

    const unlabelled = await client.start('unlabelled');
    assert.deepEqual(unlabelled.labels, {});
    assert.deepEqual((await client.get(unlabelled.name)).labels, {});
  });

  it('a bad label is INVALID_ARGUMENT naming it; a label that is no string a TypeError', async () => {
    await assert.rejects(client.start('f', { labels: { 'Bad Key': 'x' } }), {
      name: 'GatewayError',
      code: Code.INVALID_ARGUMENT,
      details: /Bad Key/,
    });
    await assert.rejects(client.start('f', { labels: { commit: 42 } }), {
      name: 'TypeError',
      message: /labels\["commit"\] must be a string/,
    });
    await assert.rejects(client.start('f', { labels: ['a=b'] }), TypeError);
  });

  it('lookup of a requestId after start returns its compile, as it is now', async () => {
    const started = await client.start('looked-up', { requestId: 'node-lookup-1' });
    const found = await client.lookup('node-lookup-1');
    assert.equal(found.name, started.name);
    assert.equal(found.flowId, 'looked-up');
    // Later, the same key finds the compile with its later state.
    const done = await client.startAndWait('looked-up', {
      requestId: 'node-lookup-1',
      timeoutMs: 30_000,
    });
    assert.equal(done.state, State.COMPLETED);
    assert.equal((await client.lookup('node-lookup-1')).state, State.COMPLETED);
  });

  it('lookup of an unknown key is GatewayError NOT_FOUND; an empty one INVALID_ARGUMENT', async () => {
    await assert.rejects(client.lookup('node-never-used'), (error) => {
      assert.ok(error instanceof GatewayError);
      assert.equal(error.code, Code.NOT_FOUND);
      assert.equal(error.codeName, 'NOT_FOUND');
      assert.match(error.details, /node-never-used/);
      return true;
    });
    await assert.rejects(client.lookup(''), { code: Code.INVALID_ARGUMENT });
    await assert.rejects(client.lookup(7), TypeError);
  });

  it('list yields every compile newest first, over several pages', async () => {
    const flows = ['paged-0', 'paged-1', 'paged-2', 'paged-3', 'paged-4'];
    const started = await startInOrder(client, flows, { labels: { suite: 'paging' } });
    const newestFirst = names(started).reverse();

    const listed = await collect(client.list({ labelSelector: 'suite=paging', pageSize: 2 }));
    assert.deepEqual(names(listed), newestFirst);
    for (let i = 1; i < listed.length; ++i) {
      assert.ok(listed[i - 1].createTime >= listed[i].createTime, `order at ${i}`);
    }

    // The same, one page at a time: 2 + 2 + 1, each with its revision.
    const pages = [];
    let pageToken = '';
    do {
      const page = await client.listPage({ labelSelector: 'suite=paging', pageSize: 2, pageToken });
      assert.equal(typeof page.revision, 'bigint');
      for (const compile of page.compiles) assert.ok(compile.revision <= page.revision);
      pages.push(page);
      pageToken = page.nextPageToken;
    } while (pageToken !== '');
    assert.deepEqual(
      pages.map((page) => page.compiles.length),
      [2, 2, 1],
    );
    assert.deepEqual(names(pages.flatMap((page) => page.compiles)), newestFirst);

    // pageToken starts a list after that page.
    const rest = await collect(
      client.list({
        labelSelector: 'suite=paging',
        pageSize: 2,
        pageToken: pages[0].nextPageToken,
      }),
    );
    assert.deepEqual(names(rest), newestFirst.slice(2));
  });

  it('list by label selector: pipeline=checkout on some compiles, not on others', async () => {
    const a = await client.start('sel-a', { labels: { pipeline: 'checkout' } });
    const b = await client.start('sel-b', { labels: { pipeline: 'checkout', tier: 'canary' } });
    const c = await client.start('sel-c', { labels: { pipeline: 'nightly' } });
    const d = await client.start('sel-d');
    const flowIds = ['sel-a', 'sel-b', 'sel-c', 'sel-d'];
    const sorted = (compiles) => names(compiles).sort();

    assert.deepEqual(
      sorted(await collect(client.list({ flowIds, labelSelector: 'pipeline=checkout' }))),
      [a.name, b.name].sort(),
    );
    assert.deepEqual(
      sorted(
        await collect(client.list({ flowIds, labelSelector: 'pipeline=checkout,tier!=canary' })),
      ),
      [a.name],
    );
    assert.deepEqual(sorted(await collect(client.list({ flowIds, labelSelector: '!pipeline' }))), [
      d.name,
    ]);
    assert.deepEqual(
      sorted(await collect(client.list({ flowIds, labelSelector: 'pipeline in (nightly)' }))),
      [c.name],
    );
    // By flow alone.
    assert.deepEqual(
      sorted(await collect(client.list({ flowIds: ['sel-b', 'sel-d'] }))),
      [b.name, d.name].sort(),
    );
  });

  it('list by state and by create time', async () => {
    const before = new Date();
    const failed = await client.startAndWait('syntax-error', {
      labels: { suite: 'states' },
      timeoutMs: 30_000,
    });
    assert.equal(failed.state, State.FAILED);
    const labelSelector = 'suite=states';
    assert.deepEqual(names(await collect(client.list({ labelSelector, states: [State.FAILED] }))), [
      failed.name,
    ]);
    assert.deepEqual(
      await collect(client.list({ labelSelector, states: [State.QUEUED, State.COMPLETED] })),
      [],
    );
    assert.deepEqual(names(await collect(client.list({ labelSelector, createTimeFrom: before }))), [
      failed.name,
    ]);
    assert.deepEqual(await collect(client.list({ labelSelector, createTimeTo: before })), []);
  });

  it('list refuses a malformed filter: INVALID_ARGUMENT from the gateway, TypeError here', async () => {
    await assert.rejects(collect(client.list({ labelSelector: 'a in (' })), {
      name: 'GatewayError',
      code: Code.INVALID_ARGUMENT,
    });
    await assert.rejects(client.listPage({ pageSize: 5000 }), { code: Code.INVALID_ARGUMENT });
    await assert.rejects(client.listPage({ pageToken: 'not-a-token' }), {
      code: Code.INVALID_ARGUMENT,
    });
    assert.throws(() => client.list({ states: ['STATE_FAILED'] }), {
      name: 'TypeError',
      message: /states\[0\] must be a State/,
    });
    assert.throws(() => client.list({ flowIds: 'sel-a' }), TypeError);
    assert.throws(() => client.list({ createTimeFrom: '2026-01-01' }), TypeError);
    assert.throws(() => client.list({ pageSize: -1 }), RangeError);
  });
});

it('list retries a page the gateway did not answer (UNAVAILABLE) and goes on from its token', async () => {
  const gateway = await GatewayHarness.start();
  const retries = [];
  const client = new GatewayClient(gateway.address, {
    listRetry: { maxAttempts: 50, initialDelayMs: 50, maxDelayMs: 400 },
    onRetry: (info) => retries.push(info),
  });
  try {
    const started = await startInOrder(client, ['retried-0', 'retried-1', 'retried-2']);
    const newestFirst = names(started).reverse();
    const first = await client.listPage({ pageSize: 1 });
    assert.deepEqual(names(first.compiles), newestFirst.slice(0, 1));

    await gateway.stopServer('SIGKILL');
    const rest = collect(client.list({ pageSize: 1, pageToken: first.nextPageToken }));
    await waitFor(() => retries.length >= 2, 30_000, 'two retries');
    await gateway.startServer();

    // Page tokens outlive a restart: the list goes on where it was.
    assert.deepEqual(names(await rest), newestFirst.slice(1));
    assert.ok(
      retries.every(
        (info) =>
          info.operation === 'list' &&
          info.error.code === Code.UNAVAILABLE &&
          info.pageToken === first.nextPageToken,
      ),
      JSON.stringify(retries),
    );
  } finally {
    client.close();
    await gateway.stop();
  }
});
